// Package caps maps Linux capability names, as the OCI spec writes them
// ("CAP_SYS_ADMIN"), to their numbers and back. It is shared by spec
// validation and by the process setup that applies them.
package caps
