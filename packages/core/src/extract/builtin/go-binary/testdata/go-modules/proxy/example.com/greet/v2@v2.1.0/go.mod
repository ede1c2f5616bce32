module example.com/greet/v2

go 1.16
