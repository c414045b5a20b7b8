module pprofservice

go 1.19
