package controller

import (
	"reflect"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

// TestStatusEqualSeesEveryField changes each field of the status, of its
// last run and of its conditions, found by reflection, and checks that
// statusEqual tells the change, as equality.Semantic.DeepEqual does: a
// field added to the API and forgotten in statusEqual fails here.
func TestStatusEqualSeesEveryField(t *testing.T) {
	at := metav1.NewTime(time.Date(2026, 11, 1, 4, 0, 0, 0, time.UTC))
	base := func() *ihpav1beta2.FittingJobStatus {
		return &ihpav1beta2.FittingJobStatus{
			ObservedGeneration: 1, Schedule: "0 4 * * *",
			LastScheduleTime: at.DeepCopy(), LastSuccessfulTime: at.DeepCopy(),
			LastRun: &ihpav1beta2.LastRun{JobName: "j", StartTime: at.DeepCopy(), CompletionTime: at.DeepCopy(),
				Outcome: ihpav1beta2.RunSucceeded, Reason: "r", Message: "m"},
			Conditions: []metav1.Condition{{Type: "Ready", Status: metav1.ConditionTrue, Reason: "Synced", Message: "m",
				ObservedGeneration: 1, LastTransitionTime: at}},
		}
	}
	if a, b := base(), base(); !statusEqual(a, b) {
		t.Fatal("equal statuses differ")
	}

	mutated := 0
	var mutate func(path string, v reflect.Value, check func(string))
	mutate = func(path string, v reflect.Value, check func(string)) {
		for i := range v.NumField() {
			f, name := v.Field(i), path+"."+v.Type().Field(i).Name
			if !v.Type().Field(i).IsExported() {
				continue
			}
			old := reflect.New(f.Type()).Elem()
			old.Set(f)
			switch f.Kind() {
			case reflect.String:
				f.SetString(f.String() + "x")
			case reflect.Int64:
				f.SetInt(f.Int() + 1)
			case reflect.Pointer:
				if f.Type() == reflect.TypeFor[*metav1.Time]() {
					f.Set(reflect.ValueOf(&metav1.Time{Time: at.Add(time.Second)}))
				} else {
					mutate(name, f.Elem(), check)
					continue
				}
			case reflect.Slice:
				mutate(name+"[0]", f.Index(0), check)
				continue
			case reflect.Struct:
				if f.Type() == reflect.TypeFor[metav1.Time]() {
					f.Set(reflect.ValueOf(metav1.NewTime(at.Add(time.Second))))
				} else {
					mutate(name, f, check)
					continue
				}
			default:
				t.Fatalf("%s: a %s field: teach this test to change it", name, f.Kind())
			}
			check(name)
			mutated++
			f.Set(old)
		}
	}
	a, b := base(), base()
	mutate("status", reflect.ValueOf(b).Elem(), func(field string) {
		if !equality.Semantic.DeepEqual(a, b) == statusEqual(a, b) {
			t.Errorf("changing %s: statusEqual %v, equality.Semantic.DeepEqual %v", field, statusEqual(a, b), equality.Semantic.DeepEqual(a, b))
		}
	})
	if mutated < 16 {
		t.Errorf("only %d fields changed: the walk missed some", mutated)
	}
}
