package main

import (
	"context"
	"errors"
	"sync"
	"testing"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

func TestFloorPipelineSyncsEveryResultOnce(t *testing.T) {
	f := &floor{workers: 4}
	var mu sync.Mutex
	synced := map[string]int{}
	err := f.pipeline(context.Background(), 500, func(_ context.Context, i int) (*ihpav1beta2.FittingJob, error) {
		return newFittingJob("ns", i), nil
	}, func(_ context.Context, fj *ihpav1beta2.FittingJob) error {
		mu.Lock()
		defer mu.Unlock()
		synced[fj.Name]++
		return nil
	})
	if err != nil || len(synced) != 500 || synced[newFittingJob("ns", 499).Name] != 1 {
		t.Errorf("pipeline: %v, %d synced", err, len(synced))
	}
	boom := errors.New("boom")
	err = f.pipeline(context.Background(), 500, func(_ context.Context, i int) (*ihpav1beta2.FittingJob, error) {
		return newFittingJob("ns", i), nil
	}, func(context.Context, *ihpav1beta2.FittingJob) error { return boom })
	if !errors.Is(err, boom) {
		t.Errorf("pipeline with a failing sync: %v", err)
	}
}
