package state

// Views returns the state of every container in the store, sorted by ID.
// A container that vanishes while the list is read is left out.
func (s *Store) Views() ([]View, error) {
	ids, err := s.List()
	if err != nil {
		return nil, err
	}
	views := make([]View, 0, len(ids))
	for _, id := range ids {
		rec, err := s.Read(id)
		if err != nil {
			continue
		}
		views = append(views, rec.View())
	}
	return views, nil
}
