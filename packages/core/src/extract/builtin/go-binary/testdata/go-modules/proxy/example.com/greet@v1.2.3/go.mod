module example.com/greet

go 1.16

require example.com/color v0.4.0
