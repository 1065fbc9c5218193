package container

import (
	"github.com/ocikit/ocikit/internal/cerr"
	"github.com/ocikit/ocikit/internal/state"
)

// State returns the state of one container.
func State(store *state.Store, id string) (state.View, error) {
	rec, err := store.Read(id)
	if err != nil {
		return state.View{}, cerr.E(id, "state", "", err)
	}
	return rec.View(), nil
}

// List returns the state of every container; one that vanishes while the
// list is read is left out.
func List(store *state.Store) ([]state.View, error) {
	ids, err := store.List()
	if err != nil {
		return nil, err
	}
	views := make([]state.View, 0, len(ids))
	for _, id := range ids {
		rec, err := store.Read(id)
		if err != nil {
			continue
		}
		views = append(views, rec.View())
	}
	return views, nil
}
