package nsenter

// #cgo CFLAGS: -Wall -Wextra -Wno-unused-parameter -O2
import "C"
