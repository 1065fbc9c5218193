package specedit

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ocikit/ocikit/internal/caps"
)

// capSets are the five capability sets of process.capabilities.
var capSets = []string{"bounding", "effective", "inheritable", "permitted", "ambient"}

// capList resolves the names of --cap-add or --cap-drop to canonical
// names ("sys_admin" -> "CAP_SYS_ADMIN"); all is true for ALL.
func capList(flag string, names []string) (list []string, all bool, err error) {
	for _, n := range names {
		if strings.EqualFold(n, "ALL") {
			all = true
			continue
		}
		num, err := caps.Parse(n)
		if err != nil {
			return nil, false, fmt.Errorf("%s %q: %w", flag, n, err)
		}
		list = append(list, caps.Name(num))
	}
	return list, all, nil
}

// canonicalCap is the name an entry of a set stands for, so that a
// lower-case or unprefixed entry already in the file is recognised.
func canonicalCap(s string) string {
	if n, err := caps.Parse(s); err == nil {
		return caps.Name(n)
	}
	return s
}

// capsEdit drops, then adds, capabilities in all five sets. Adding puts a
// capability in every set, creating the missing ones: an ambient
// capability is only raised when it is permitted and inheritable too, so
// a partial add would leave it silently without effect. Dropping a
// capability a set lacks is no error (it is already as asked); ALL drops
// or adds every capability, so "--cap-drop ALL --cap-add NET_BIND_SERVICE"
// leaves just one and "--cap-add ALL --cap-drop SYS_ADMIN" all but one.
func capsEdit(dropNames, addNames []string) (Edit, error) {
	if len(dropNames) == 0 && len(addNames) == 0 {
		return nil, nil
	}
	drop, dropAll, err := capList("--cap-drop", dropNames)
	if err != nil {
		return nil, err
	}
	add, addAll, err := capList("--cap-add", addNames)
	if err != nil {
		return nil, err
	}
	switch {
	case addAll && dropAll:
		return nil, fmt.Errorf("--cap-add ALL and --cap-drop ALL contradict each other")
	case addAll:
		// "--cap-add ALL --cap-drop X": every capability but X.
		add = slices.DeleteFunc(caps.Names(), func(c string) bool { return slices.Contains(drop, c) })
	default:
		// Naming one capability in both would make the result depend
		// on the order of application, which the command line does
		// not show.
		for _, c := range add {
			if slices.Contains(drop, c) {
				return nil, fmt.Errorf("--cap-add and --cap-drop both name %s", c)
			}
		}
	}
	return func(doc []byte) ([]byte, error) {
		if _, _, err := objectAt(doc, "process.capabilities"); err != nil {
			return nil, err
		}
		for _, set := range capSets {
			p := "process.capabilities." + set
			arr, ok, err := arrayAt(doc, p)
			if err != nil {
				return nil, err
			}
			var have []string
			var gone []int
			for i, e := range arr.Array() {
				c := canonicalCap(e.String())
				if dropAll || slices.Contains(drop, c) {
					gone = append(gone, i)
					continue
				}
				have = append(have, c)
			}
			if ok && len(gone) > 0 {
				if doc, err = deleteIndexes(doc, p, gone); err != nil {
					return nil, err
				}
			}
			for _, c := range add {
				if slices.Contains(have, c) {
					continue
				}
				if doc, err = appendJSON(doc, p, c); err != nil {
					return nil, err
				}
				have = append(have, c)
			}
		}
		return doc, nil
	}, nil
}
