// Package netdev moves network devices of the runtime's network namespace
// into a container's (runtime-spec linux.netDevices), over rtnetlink
// spoken directly with golang.org/x/sys/unix.
//
// A move is one RTM_SETLINK carrying the target namespace and the new
// name, so the device never shows up inside under its host name, and a
// "%d" template is expanded by the kernel. Moving a device flushes its
// addresses; the permanent ones of universe scope, which the spec says
// must survive, are read beforehand and added again through a socket
// opened inside the target namespace, and the device is then set up.
//
// Nothing here moves a device back out when a container is deleted: the
// spec forbids it. When the namespace is freed the kernel returns a
// physical device to the initial namespace and destroys a virtual one.
// Only a create that fails half-way undoes its own moves (MoveBack).
package netdev
