io.popen("touch " .. arg[1]):close()
