-- Running for ever.
while true do end
