package controller

import (
	"context"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	core "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

// TestVerifiedChildrenAreNotComparedAgain: once a sync has found both
// children in sync, a sync of the same spec and the same child versions
// trusts that and compares nothing; a new version of a child, or a new
// generation of the FittingJob, makes it compare (and repair) again.
func TestVerifiedChildrenAreNotComparedAgain(t *testing.T) {
	fj := synced(newFittingJob("web"))
	f, c, key := keptController(t, fj)

	syncOnce := func(step string) []core.Action { return f.syncAgain(t, c, key, step) }
	changeCachedImage := func(resourceVersion string) *batchv1.CronJob {
		t.Helper()
		cj := f.cronJobs[0].DeepCopy()
		cj.ResourceVersion = resourceVersion
		cj.Spec.JobTemplate.Spec.Template.Spec.Containers[0].Image = "someone-else:v9"
		if err := f.cronJobCache.Update(cj); err != nil {
			t.Fatal(err)
		}
		return cj
	}

	if actions := syncOnce("first sync"); len(actions) != 0 {
		t.Fatalf("first sync of a FittingJob in sync: %v, want no action", actions)
	}
	if _, ok := c.verified.get(key); !ok {
		t.Fatal("the children found in sync were not remembered")
	}

	// A state no API server produces (a change without a new
	// resourceVersion) shows that the comparison is skipped.
	changeCachedImage("42")
	if actions := syncOnce("same versions"); len(actions) != 0 {
		t.Errorf("children of the verified versions were compared again: %v", actions)
	}

	// A real change comes with a new resourceVersion, and is repaired.
	changed := changeCachedImage("43")
	repaired := changed.DeepCopy()
	repaired.Spec = desiredCronJob(t, fj).Spec
	checkActions(t, []core.Action{updateAction(cronJobsResource, repaired)}, syncOnce("new CronJob version"))

	// So is one after a change of the spec, whatever the versions.
	if err := f.cronJobCache.Update(f.cronJobs[0]); err != nil {
		t.Fatal(err)
	}
	syncOnce("back in sync")
	changeCachedImage("42")
	fj = fj.DeepCopy()
	fj.Generation++
	if err := f.fittingJobCache.Update(fj); err != nil {
		t.Fatal(err)
	}
	if actions := syncOnce("new generation"); !hasUpdateOf(actions, cronJobsResource.Resource) {
		t.Errorf("a new generation did not compare the children again: %v", actions)
	}
	if _, ok := c.verified.get(key); !ok {
		t.Error("the children written for the new generation were not remembered")
	}
}

func hasUpdateOf(actions []core.Action, resource string) bool {
	for _, a := range actions {
		if a.GetVerb() == "update" && a.GetResource().Resource == resource && a.GetSubresource() == "" {
			return true
		}
	}
	return false
}

func hasVerb(actions []core.Action, verb, resource string) bool {
	for _, a := range actions {
		if a.GetVerb() == verb && a.GetResource().Resource == resource {
			return true
		}
	}
	return false
}

// TestOwnChildWritesDoNotRequeue: the update event of a child version the
// controller verified (its own write) queues nothing; any other version
// queues the FittingJob.
func TestOwnChildWritesDoNotRequeue(t *testing.T) {
	f, c, key := keptController(t, synced(newFittingJob("web")))
	f.syncAgain(t, c, key, "first sync")
	own := f.cronJobs[0] // the version just verified
	old := own.DeepCopy()
	old.ResourceVersion = "41"
	if c.updateChild(old, own); c.queue.Len() != 0 {
		t.Fatalf("the event of the verified version queued %d keys", c.queue.Len())
	}
	someoneElses := old.DeepCopy()
	someoneElses.ResourceVersion = "43"
	if c.updateChild(old, someoneElses); c.queue.Len() != 1 {
		t.Errorf("the event of another version queued %d keys, want 1", c.queue.Len())
	}
}

// syncAgain runs one more sync of key on c, a controller kept across
// syncs (f.sync makes a new one each time), and returns its API actions.
func (f *fixture) syncAgain(t *testing.T, c *Controller, key cache.ObjectName, step string) []core.Action {
	t.Helper()
	f.kubeClient.ClearActions()
	f.ihpaClient.ClearActions()
	if _, err := c.sync(context.Background(), key); err != nil {
		t.Fatalf("%s: %v", step, err)
	}
	return append(filterInformerActions(f.kubeClient.Actions()), filterInformerActions(f.ihpaClient.Actions())...)
}

// keptController is a fixture holding fj and its children in sync, and a
// controller on it that the test keeps across syncs (f.sync makes a new
// one each time), so that what one sync remembers reaches the next.
func keptController(t *testing.T, fj *ihpav1beta2.FittingJob) (*fixture, *Controller, cache.ObjectName) {
	t.Helper()
	f := newFixture(t)
	f.withChildren(fj)
	return f, f.newController(context.Background()), cache.MetaObjectToName(fj)
}
