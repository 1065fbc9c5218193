package main

// EditConfig returns a copy of base with no terminal, the given process
// arguments, root.path set to the absolute shared root (read-only, as
// `runc spec` makes it) and linux.cgroupsPath set. base is not modified.
func EditConfig(base map[string]any, rootfs, cgroupsPath string, args []string) map[string]any {
	cfg := deepCopy(base).(map[string]any)
	proc, _ := cfg["process"].(map[string]any)
	if proc == nil {
		proc = map[string]any{}
		cfg["process"] = proc
	}
	proc["terminal"] = false
	argv := make([]any, len(args))
	for i, a := range args {
		argv[i] = a
	}
	proc["args"] = argv
	root, _ := cfg["root"].(map[string]any)
	if root == nil {
		root = map[string]any{"readonly": true}
		cfg["root"] = root
	}
	root["path"] = rootfs
	linux, _ := cfg["linux"].(map[string]any)
	if linux == nil {
		linux = map[string]any{}
		cfg["linux"] = linux
	}
	linux["cgroupsPath"] = cgroupsPath
	return cfg
}

func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = deepCopy(x)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, x := range t {
			s[i] = deepCopy(x)
		}
		return s
	default:
		return v
	}
}
