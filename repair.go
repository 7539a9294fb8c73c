package jobs

// RepairReport is what Repair found in one queue and, with fix, did.
type RepairReport struct {
	Queue    string          `json:"queue"`
	Fixed    bool            `json:"fixed"`   // the problems were put right
	Checked  int             `json:"checked"` // jobs checked
	Problems []RepairProblem `json:"problems"`
}

// RepairProblem is one thing wrong in the storage of a queue.
type RepairProblem struct {
	Kind  RepairKind `json:"kind"`
	Key   string     `json:"key,omitempty"`    // the storage key concerned
	JobID string     `json:"job_id,omitempty"` // the job concerned
	// Detail says what is wrong and what fixing it does (or did).
	Detail string `json:"detail"`
}

// RepairKind is the kind of a RepairProblem.
type RepairKind string

// The kinds of problems Repair finds.
const (
	// RepairWrongType: a structure of the queue holds another type of
	// data; fixing moves it aside (renamed, not deleted) and rebuilds it
	// from the jobs.
	RepairWrongType RepairKind = "wrong_type"
	// RepairOrphan: a job is in none of the queue's structures, so no
	// worker or maintainer would ever see it; fixing puts it where its
	// state says.
	RepairOrphan RepairKind = "orphan"
	// RepairMisplaced: a job is in a structure its state does not name,
	// or in several; fixing leaves it only where its state says.
	RepairMisplaced RepairKind = "misplaced"
	// RepairDangling: a structure names a job that does not exist;
	// fixing removes the entry.
	RepairDangling RepairKind = "dangling"
	// RepairCorrupt: a job's data cannot be read; fixing quarantines it
	// in the dead-letter queue as ErrorTypeCorrupt.
	RepairCorrupt RepairKind = "corrupt"
)
