package jobs

import (
	"fmt"
	"strings"
	"time"
)

// String formats o with the fields that are set, by name and by value (the
// pointers MaxRetries, Retry and Unique by what they point to), so that a
// test printing a recorded call with %v or %+v shows the options it got:
// {Queue:emails Priority:high MaxRetries:7 Retry:{Backoff:linear InitialDelay:2s}}.
func (o EnqueueOptions) String() string {
	var fields []string
	add := func(name string, value any) { fields = append(fields, fmt.Sprintf("%s:%v", name, value)) }
	if o.Queue != "" {
		add("Queue", o.Queue)
	}
	if o.Priority != 0 {
		add("Priority", o.Priority)
	}
	if o.MaxRetries != nil {
		add("MaxRetries", *o.MaxRetries)
	}
	if !o.RunAt.IsZero() {
		add("RunAt", o.RunAt.Format(time.RFC3339Nano))
	}
	if o.RunIn != 0 {
		add("RunIn", o.RunIn)
	}
	if len(o.Metadata) > 0 {
		add("Metadata", o.Metadata) // fmt sorts map keys
	}
	if o.TenantID != "" {
		add("TenantID", o.TenantID)
	}
	if o.JobID != "" {
		add("JobID", o.JobID)
	}
	if r := o.Retry; r != nil {
		var p []string
		if r.Backoff != "" {
			p = append(p, "Backoff:"+string(r.Backoff))
		}
		if r.InitialDelay != 0 {
			p = append(p, "InitialDelay:"+r.InitialDelay.String())
		}
		if r.MaxDelay != 0 {
			p = append(p, "MaxDelay:"+r.MaxDelay.String())
		}
		if r.Jitter != 0 {
			p = append(p, fmt.Sprintf("Jitter:%g", r.Jitter))
		}
		add("Retry", "{"+strings.Join(p, " ")+"}")
	}
	if o.Timeout != 0 {
		add("Timeout", o.Timeout)
	}
	if u := o.Unique; u != nil {
		var p []string
		if u.Key != "" {
			p = append(p, "Key:"+u.Key)
		}
		p = append(p, "TTL:"+u.TTL.String())
		add("Unique", "{"+strings.Join(p, " ")+"}")
	}
	return "{" + strings.Join(fields, " ") + "}"
}
