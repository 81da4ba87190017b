package controller

import (
	"sync"

	"k8s.io/client-go/tools/cache"
)

// keyed holds one value per FittingJob for what the controller remembers
// between syncs. The workqueue never hands one key to two workers at once;
// the lock is for the map, which event handlers and the resync read too.
// The zero value is ready to use.
type keyed[T any] struct {
	mu sync.Mutex
	m  map[cache.ObjectName]T
}

func (k *keyed[T]) get(key cache.ObjectName) (T, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	v, ok := k.m[key]
	return v, ok
}

func (k *keyed[T]) set(key cache.ObjectName, v T) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.m == nil {
		k.m = map[cache.ObjectName]T{}
	}
	k.m[key] = v
}

func (k *keyed[T]) forget(key cache.ObjectName) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.m, key)
}
