module crossgo.dev/cacherelay

go 1.21
