os.execute("touch " .. arg[1])
