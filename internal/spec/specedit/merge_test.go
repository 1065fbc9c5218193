package specedit

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// The examples of RFC 7386 appendix A whose target and patch are
// objects; those with another top level are errors here (a config is an
// object), checked in TestInvalidInput.
func TestMergeRFC7386(t *testing.T) {
	cases := []struct{ target, patch, want string }{
		{`{"a":"b"}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"b"}`, `{"b":"c"}`, `{"a":"b","b":"c"}`},
		{`{"a":"b"}`, `{"a":null}`, `{}`},
		{`{"a":"b","b":"c"}`, `{"a":null}`, `{"b":"c"}`},
		{`{"a":["b"]}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"c"}`, `{"a":["b"]}`, `{"a":["b"]}`},
		{`{"a":{"b":"c"}}`, `{"a":{"b":"d","c":null}}`, `{"a":{"b":"d"}}`},
		{`{"a":[{"b":"c"}]}`, `{"a":[1]}`, `{"a":[1]}`},
		{`{"e":null}`, `{"a":1}`, `{"e":null,"a":1}`},
		{`{}`, `{"a":{"bb":{"ccc":null}}}`, `{"a":{"bb":{}}}`},
		// Beyond the appendix: the RFC's section 3 example, and keys
		// that are not plain paths.
		{`{"title":"Goodbye!","author":{"givenName":"John","familyName":"Doe"},"tags":["example","sample"],"content":"This will be unchanged"}`,
			`{"title":"Hello!","phoneNumber":"+01-123-456-7890","author":{"familyName":null},"tags":["example"]}`,
			`{"title":"Hello!","author":{"givenName":"John"},"tags":["example"],"content":"This will be unchanged","phoneNumber":"+01-123-456-7890"}`},
		{`{"a.b":1,"0":2,"":3}`, `{"a.b":null,"0":{"x":1},"":4,"*":5}`, `{"0":{"x":1},"":4,"*":5}`},
		{`{"a":1}`, `{}`, `{"a":1}`},
	}
	for _, c := range cases {
		out, err := Merge([]byte(c.target), []byte(c.patch))
		if err != nil {
			t.Errorf("Merge(%s, %s): %v", c.target, c.patch, err)
			continue
		}
		var got, want any
		json.Unmarshal(out, &got)
		json.Unmarshal([]byte(c.want), &want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Merge(%s, %s) = %s, want %s", c.target, c.patch, out, c.want)
		}
		// Members keep their order: the result's text is the expected
		// one, not only its meaning.
		if string(out) != c.want {
			t.Errorf("Merge(%s, %s) = %s, want the text %s", c.target, c.patch, out, c.want)
		}
	}
}

func TestMergeKeepsLayout(t *testing.T) {
	doc := "{\n\t\"ociVersion\": \"1.0.2\",\n\t\"process\": {\n\t\t\"terminal\": true,\n\t\t\"cwd\": \"/\"\n\t},\n\t\"hostname\": \"h\"\n}\n"
	out, err := Merge([]byte(doc), []byte(`{"process":{"terminal":false,"cwd":null},"annotations":{"a":"b"}}`))
	want := "{\n\t\"ociVersion\": \"1.0.2\",\n\t\"process\": {\n\t\t\"terminal\": false\n\t},\n\t\"hostname\": \"h\",\n\t\"annotations\": {\n\t\t\"a\": \"b\"\n\t}\n}\n"
	if err != nil || string(out) != want {
		t.Errorf("got\n%s (%v)\nwant\n%s", out, err, want)
	}
	if _, err := Merge([]byte(doc), []byte(`{"hostname":{"x":null}}`)); err != nil {
		t.Errorf("object replacing a string: %v", err)
	}
	if out, _ := Merge([]byte(doc), []byte(`{"hostname":{"x":null}}`)); !strings.Contains(string(out), `"hostname": {}`) {
		t.Errorf("object replacing a string: %s", out)
	}
}
