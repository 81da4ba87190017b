package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/cli-runtime/pkg/printers"
	core "k8s.io/client-go/testing"
)

func TestSetSuspend(t *testing.T) {
	for _, tc := range []struct {
		name        string
		suspend     bool
		dryRun      string
		wantOut     string
		wantPatch   string // empty: no patch
		wantDryRun  []string
		wantSuspend bool // spec.suspend stored afterwards
	}{
		{name: "suspend", suspend: true, dryRun: dryRunNone, wantOut: "fittingjob.ihpa.ake.cyberagent.co.jp/fittingjob suspended\n",
			wantPatch: `{"spec":{"suspend":true}}`, wantSuspend: true},
		{name: "resume", suspend: false, dryRun: dryRunNone, wantOut: "fittingjob.ihpa.ake.cyberagent.co.jp/fittingjob resumed\n",
			wantPatch: `{"spec":{"suspend":false}}`, wantSuspend: false},
		{name: "server dry run", suspend: true, dryRun: dryRunServer, wantOut: "fittingjob.ihpa.ake.cyberagent.co.jp/fittingjob suspended (server dry run)\n",
			wantPatch: `{"spec":{"suspend":true}}`, wantDryRun: []string{metav1.DryRunAll},
			// The fake clientset ignores dryRun: what counts is that it was asked.
			wantSuspend: true},
		{name: "client dry run", suspend: true, dryRun: dryRunClient, wantOut: "fittingjob.ihpa.ake.cyberagent.co.jp/fittingjob suspended (dry run)\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fj := newFittingJob()
			if !tc.suspend {
				fj.Spec.Suspend = new(true)
			}
			_, ihpa := newClients(fj)
			operation := map[bool]string{true: "suspended", false: "resumed"}[tc.suspend]
			switch tc.dryRun {
			case dryRunClient:
				operation += " (dry run)"
			case dryRunServer:
				operation += " (server dry run)"
			}
			var out bytes.Buffer
			err := setSuspend(context.Background(), ihpa, testNamespace, testName, tc.suspend, tc.dryRun, &printers.NamePrinter{Operation: operation}, &out)
			if err != nil {
				t.Fatal(err)
			}
			if out.String() != tc.wantOut {
				t.Errorf("stdout = %q, want %q", out.String(), tc.wantOut)
			}
			var patches []core.PatchAction
			for _, a := range ihpa.Actions() {
				switch a := a.(type) {
				case core.PatchAction:
					patches = append(patches, a)
				case core.GetAction:
				default:
					t.Errorf("unexpected %s of %s", a.GetVerb(), a.GetResource().Resource)
				}
			}
			if tc.wantPatch == "" {
				if len(patches) > 0 {
					t.Errorf("%d patches, want none", len(patches))
				}
				return
			}
			if len(patches) != 1 {
				t.Fatalf("%d patches, want 1", len(patches))
			}
			p := patches[0]
			if p.GetPatchType() != types.MergePatchType || string(p.GetPatch()) != tc.wantPatch || p.GetName() != testName {
				t.Errorf("patch %s %s of %s, want a merge patch %s", p.GetPatchType(), p.GetPatch(), p.GetName(), tc.wantPatch)
			}
			if diff := cmp.Diff(tc.wantDryRun, p.(core.PatchActionImpl).PatchOptions.DryRun); diff != "" {
				t.Errorf("dryRun differs (-want +got):\n%s", diff)
			}
			stored, err := ihpa.IhpaV1beta2().FittingJobs(testNamespace).Get(context.Background(), testName, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got := stored.Spec.Suspend != nil && *stored.Spec.Suspend; got != tc.wantSuspend {
				t.Errorf("spec.suspend = %v, want %v", got, tc.wantSuspend)
			}
		})
	}
}

func TestSetSuspendNotFound(t *testing.T) {
	for _, dryRun := range []string{dryRunNone, dryRunClient} {
		_, ihpa := newClients()
		var out bytes.Buffer
		err := setSuspend(context.Background(), ihpa, testNamespace, testName, true, dryRun, &printers.NamePrinter{}, &out)
		if want := "no FittingJob fittingjob in namespace team-a"; err == nil || err.Error() != want {
			t.Errorf("--dry-run=%s: error = %v, want %q", dryRun, err, want)
		}
		if out.Len() > 0 {
			t.Errorf("--dry-run=%s: stdout = %q, want nothing", dryRun, out.String())
		}
	}
}
