package app

import (
	"bytes"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/client-go/rest"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	clientset "github.com/intelligent-hpa/fittingjob-controller/pkg/generated/clientset/versioned"
	ihpascheme "github.com/intelligent-hpa/fittingjob-controller/pkg/generated/clientset/versioned/scheme"
)

// newFittingJobClient is the generated FittingJob clientset on a REST
// client whose JSON decoder finds an object's apiVersion and kind
// (typeSniffer) without unmarshalling it a first time. Custom resources
// travel as JSON, and every watch event is decoded twice with the default
// decoder: the event (to find the kind of the envelope, then its fields)
// and the object in it (its kind, then its fields), each kind lookup a
// full encoding/json.Unmarshal of the bytes.
func newFittingJobClient(config *rest.Config) (*clientset.Clientset, error) {
	config = rest.CopyConfig(config)
	gv := ihpav1beta2.SchemeGroupVersion
	config.GroupVersion, config.APIPath = &gv, "/apis"
	config.NegotiatedSerializer = sniffingCodecs{ihpascheme.Codecs.WithoutConversion()}
	if config.UserAgent == "" {
		config.UserAgent = rest.DefaultKubernetesUserAgent()
	}
	client, err := rest.RESTClientFor(config)
	if err != nil {
		return nil, err
	}
	return clientset.New(client), nil
}

// sniffingCodecs are the generated client's codecs with the JSON
// serializer's meta factory replaced by typeSniffer.
type sniffingCodecs struct{ runtime.NegotiatedSerializer }

var sniffingJSON = json.NewSerializerWithOptions(typeSniffer{}, ihpascheme.Scheme, ihpascheme.Scheme, json.SerializerOptions{})

func (c sniffingCodecs) SupportedMediaTypes() []runtime.SerializerInfo {
	infos := c.NegotiatedSerializer.SupportedMediaTypes()
	out := make([]runtime.SerializerInfo, len(infos))
	for i, info := range infos {
		if info.MediaType == runtime.ContentTypeJSON {
			info.Serializer = sniffingJSON
			stream := *info.StreamSerializer
			stream.Serializer = sniffingJSON
			info.StreamSerializer = &stream
		}
		out[i] = info
	}
	return out
}

// typeSniffer is json.DefaultMetaFactory's Interpret with a fast path:
// it reads the apiVersion and kind of a JSON object by walking its
// top-level members and skipping their values byte by byte, where the
// default unmarshals the whole document (validating, then decoding it)
// into a struct of the two fields. Whatever the fast path does not read
// the way encoding/json would (an escaped key or value, a key that
// matches apiVersion or kind only case-insensitively, anything
// unexpected), it leaves to the default: for every document that
// encoding/json accepts, the answer is the default's (FuzzTypeSniffer).
// One it does not accept may get past the fast path, and then fails the
// decoding that follows.
type typeSniffer struct{}

func (typeSniffer) Interpret(data []byte) (*schema.GroupVersionKind, error) {
	apiVersion, kind, ok := sniffTypeMeta(data)
	if !ok {
		return json.DefaultMetaFactory.Interpret(data)
	}
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return nil, err
	}
	return &schema.GroupVersionKind{Group: gv.Group, Version: gv.Version, Kind: kind}, nil
}

// sniffTypeMeta returns the apiVersion and kind members of the JSON object
// data (the last of each, as encoding/json takes them); ok is false when
// it cannot tell them as encoding/json would.
func sniffTypeMeta(data []byte) (apiVersion, kind string, ok bool) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return "", "", false
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return "", "", skipSpace(data, i+1) == len(data)
	}
	for i < len(data) {
		key, next, plain := readString(data, i)
		if !plain {
			return "", "", false
		}
		i = skipSpace(data, next)
		if i >= len(data) || data[i] != ':' {
			return "", "", false
		}
		i = skipSpace(data, i+1)
		switch {
		case string(key) == "apiVersion" || string(key) == "kind":
			value, next, plain := readString(data, i)
			if !plain || !utf8.Valid(value) { // encoding/json replaces invalid UTF-8
				return "", "", false
			}
			if string(key) == "kind" {
				kind = string(value)
			} else {
				apiVersion = string(value)
			}
			i = next
		case bytes.EqualFold(key, []byte("apiVersion")) || bytes.EqualFold(key, []byte("kind")):
			return "", "", false
		default:
			next := skipValue(data, i)
			if next <= i {
				return "", "", false
			}
			i = next
		}
		i = skipSpace(data, i)
		if i >= len(data) {
			return "", "", false
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return apiVersion, kind, skipSpace(data, i+1) == len(data)
		default:
			return "", "", false
		}
	}
	return "", "", false
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// readString reads the string at data[i] that has no escapes; plain is
// false when there is no string there or it has escapes.
func readString(data []byte, i int) (s []byte, next int, plain bool) {
	if i >= len(data) || data[i] != '"' {
		return nil, 0, false
	}
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			return nil, 0, false
		case '"':
			return data[i+1 : j], j + 1, true
		}
	}
	return nil, 0, false
}

// skipValue returns the index after the JSON value at data[i], or -1.
// Objects and arrays are skipped by counting brackets outside strings.
func skipValue(data []byte, i int) int {
	depth := 0
	for ; i < len(data); i++ {
		switch c := data[i]; c {
		case '"':
			for i++; i < len(data) && data[i] != '"'; i++ {
				if data[i] == '\\' {
					i++
				}
			}
			if i >= len(data) {
				return -1
			}
			if depth == 0 {
				return i + 1
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i // the end of the enclosing object: a bare literal ended
			}
			if depth--; depth == 0 {
				return i + 1
			}
		case ',', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return i // a number, true, false or null ended
			}
		}
	}
	if depth == 0 {
		return i
	}
	return -1
}
