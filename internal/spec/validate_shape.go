package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Shape checks a config.json document against the runtime-spec Go types,
// value by value: each value's JSON type, integer ranges, the properties
// the schema requires, and unknown properties (warnings: the spec says a
// runtime must ignore them, and may log them). encoding/json stops at the
// first type error and names no array index, so this walk is what gives
// "linux.uidMappings.1.size: must be an integer, not a string" for all of
// them at once. JSON null counts as absent, as encoding/json reads it.
func Shape(data []byte) []Problem {
	var c collector
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		c.errorf("", "decode config: %v", err)
		return c.ps
	}
	walk(&c, "", v, reflect.TypeFor[specs.Spec]())
	return c.ps
}

// walk checks v against type t.
func walk(c *collector, path string, v any, t reflect.Type) {
	if v == nil {
		return
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			c.errorf(path, "must be a boolean, not %s", describe(v))
		}
	case reflect.String:
		if _, ok := v.(string); !ok {
			c.errorf(path, "must be a string, not %s", describe(v))
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := v.(json.Number)
		if !ok {
			c.errorf(path, "must be an integer, not %s", describe(v))
		} else if _, err := strconv.ParseInt(string(n), 10, t.Bits()); err != nil {
			numberProblem(c, path, n, err, t)
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := v.(json.Number)
		switch {
		case !ok:
			c.errorf(path, "must be an integer, not %s", describe(v))
		case strings.HasPrefix(string(n), "-"):
			c.errorf(path, "must not be negative, not %s", n)
		default:
			if _, err := strconv.ParseUint(string(n), 10, t.Bits()); err != nil {
				numberProblem(c, path, n, err, t)
			}
		}
	case reflect.Float32, reflect.Float64:
		if _, ok := v.(json.Number); !ok {
			c.errorf(path, "must be a number, not %s", describe(v))
		}
	case reflect.Slice, reflect.Array:
		a, ok := v.([]any)
		if !ok {
			c.errorf(path, "must be an array, not %s", describe(v))
			return
		}
		for i, e := range a {
			walk(c, at(path, i), e, t.Elem())
		}
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			c.errorf(path, "must be an object, not %s", describe(v))
			return
		}
		for _, k := range sortedKeys(m) {
			walk(c, key(path, k), m[k], t.Elem())
		}
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			c.errorf(path, "must be an object, not %s", describe(v))
			return
		}
		walkStruct(c, path, m, t)
	}
}

// walkStruct checks the members of an object decoded into struct type t.
func walkStruct(c *collector, path string, m map[string]any, t reflect.Type) {
	fields := fieldsOf(t)
	for _, r := range requiredKeys(t) {
		if m[r] == nil {
			c.errorf(key(path, r), "required")
		}
	}
	for _, k := range sortedKeys(m) {
		f, ok := fields[k]
		if !ok {
			// encoding/json matches names regardless of case: such a
			// member is used, but other runtimes may not see it.
			for name, g := range fields {
				if strings.EqualFold(name, k) {
					c.warnf(key(path, k), "property name is %q", name)
					f, ok = g, true
					break
				}
			}
		}
		if !ok {
			c.warnf(key(path, k), "unknown property, ignored")
			continue
		}
		walk(c, key(path, k), m[k], f)
	}
}

// numberProblem reports an integer that does not fit t or is no integer.
func numberProblem(c *collector, path string, n json.Number, err error, t reflect.Type) {
	if errors.Is(err, strconv.ErrRange) {
		c.errorf(path, "%s is out of range for %s", n, intName(t))
		return
	}
	c.errorf(path, "must be an integer, not %s", n)
}

// intName names an integer kind as the schema does ("uint32"); int and
// uint are 64 bits here.
func intName(t reflect.Type) string {
	name := "int"
	if k := t.Kind(); k >= reflect.Uint && k <= reflect.Uint64 {
		name = "uint"
	}
	return name + strconv.Itoa(t.Bits())
}

// describe names the JSON type of a decoded value.
func describe(v any) string {
	switch v := v.(type) {
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case json.Number:
		return "the number " + string(v)
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return "null"
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// structFields caches each struct type's JSON members, built the first
// time a type is walked (never at start-up).
var structFields sync.Map // reflect.Type -> map[string]reflect.Type

// fieldsOf returns the JSON members of struct type t by name, with the
// members of embedded untagged structs promoted, as encoding/json does.
func fieldsOf(t reflect.Type) map[string]reflect.Type {
	if f, ok := structFields.Load(t); ok {
		return f.(map[string]reflect.Type)
	}
	fields := map[string]reflect.Type{}
	addFields(fields, t)
	structFields.Store(t, fields)
	return fields
}

func addFields(fields map[string]reflect.Type, t reflect.Type) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			addFields(fields, f.Type)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fields[name] = f.Type
	}
}
