package app

import (
	"encoding/json"
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"

	"github.com/intelligent-hpa/fittingjob-controller/pkg/testutil"
)

func typeSnifferSeeds(t interface{ Fatal(...any) }) [][]byte {
	fj := testutil.FittingJob("team-a", "web")
	fj.APIVersion, fj.Kind = "ihpa.ake.cyberagent.co.jp/v1beta2", "FittingJob"
	object, err := json.Marshal(fj)
	if err != nil {
		t.Fatal(err)
	}
	event, err := json.Marshal(metav1.WatchEvent{Type: "MODIFIED"})
	if err != nil {
		t.Fatal(err)
	}
	event = append(append(event[:len(event)-1], []byte(`,"object":`)...), append(object, '}')...)
	return [][]byte{
		object,
		event,
		[]byte(`{}`),
		[]byte(" \n{ \"kind\" : \"List\" , \"apiVersion\":\"v1\" , \"items\": [ {\"kind\":\"Pod\"}, 1, true, null, \"]}\" ] }\n"),
		[]byte(`{"kind":"A","kind":"B","apiVersion":"x/v1","apiVersion":"y/v2"}`),
		[]byte(`{"Kind":"Pod","APIVERSION":"v1"}`),
		[]byte(`{"kind":"P\u006fd","apiVersion":"v1"}`),
		[]byte(`{"k\"ind":"Pod","apiVersion":"v1"}`),
		[]byte(`{"kind":null,"apiVersion":"v1"}`),
		[]byte(`{"kind":1,"apiVersion":"v1"}`),
		[]byte(`{"apiVersion":"a/b/c"}`),
		[]byte(`{"metadata":{"kind":"inner","apiVersion":"inner/v1"},"spec":"{\"kind\":\"x\"}"}`),
		[]byte(`{"kind":"Pod"} trailing`),
		[]byte(`{"kind":"Pod",}`),
		[]byte(`{"kind":"Pod"`),
		[]byte(`[{"kind":"Pod"}]`),
		[]byte(`"kind"`),
		[]byte(``),
		[]byte(`{"a":,"kind":"Pod"}`),
		[]byte(`{"a":[1,2,{"b":"}"}],"kind":"Pod","apiVersion":"apps/v1"}`),
	}
}

// TestTypeSnifferAgreesWithTheDefault: on every document encoding/json
// accepts, the fast path answers as json.DefaultMetaFactory does.
func TestTypeSnifferAgreesWithTheDefault(t *testing.T) {
	for _, data := range typeSnifferSeeds(t) {
		checkTypeSniffer(t, data)
	}
	// The fast path, not the fallback, reads what the API server sends.
	for _, data := range typeSnifferSeeds(t)[:2] {
		if _, _, ok := sniffTypeMeta(data); !ok {
			t.Errorf("the fast path gave up on %.80s…", data)
		}
	}
}

func FuzzTypeSniffer(f *testing.F) {
	for _, data := range typeSnifferSeeds(f) {
		f.Add(data)
	}
	f.Fuzz(checkTypeSniffer)
}

func checkTypeSniffer(t *testing.T, data []byte) {
	want, wantErr := kjson.DefaultMetaFactory.Interpret(data)
	got, err := typeSniffer{}.Interpret(data)
	if wantErr != nil {
		return // not JSON: the decoding after it fails anyway
	}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("Interpret(%q) = %v, %v; the default's %v", data, got, err, want)
	}
}

// BenchmarkInterpret: what finding the kind of a watch event and of the
// FittingJob in it costs, with the default and with typeSniffer.
func BenchmarkInterpret(b *testing.B) {
	seeds := typeSnifferSeeds(b)
	for _, c := range []struct {
		name string
		mf   kjson.MetaFactory
	}{{"default", kjson.DefaultMetaFactory}, {"typeSniffer", typeSniffer{}}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				for _, data := range seeds[:2] {
					if _, err := c.mf.Interpret(data); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
