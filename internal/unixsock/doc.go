// Package unixsock makes and connects unix stream sockets at paths of any
// length. sockaddr_un holds at most 107 bytes of path, and a runtime's
// sockets live in folders named by container IDs (up to 1024 bytes) or at
// paths an engine chose; longer paths are reached through an O_PATH
// descriptor of their directory, /proc/self/fd/N/<base>.
package unixsock
