// Package queue implements a bounded work queue with a fixed pool of workers.
package queue

import (
	"context"
	"errors"
	"sync"
	"time"
)

// ErrClosed is returned when a job is submitted after Close.
var ErrClosed = errors.New("queue: closed")

// Job is one unit of work.
type Job func(ctx context.Context) error

// Result reports how a job ended.
type Result struct {
	ID       int
	Err      error
	Duration time.Duration
}

// Queue runs jobs on a fixed number of workers.
type Queue struct {
	jobs    chan task
	results chan Result
	wg      sync.WaitGroup
	mu      sync.Mutex
	closed  bool
	nextID  int
}

type task struct {
	id  int
	job Job
}

// New starts a queue with the given number of workers and buffer size.
func New(ctx context.Context, workers, buffer int) *Queue {
	q := &Queue{
		jobs:    make(chan task, buffer),
		results: make(chan Result, buffer),
	}
	for i := 0; i < workers; i++ {
		q.wg.Add(1)
		go q.work(ctx)
	}
	return q
}

func (q *Queue) work(ctx context.Context) {
	defer q.wg.Done()
	for t := range q.jobs {
		start := time.Now()
		err := t.job(ctx)
		q.results <- Result{ID: t.id, Err: err, Duration: time.Since(start)}
	}
}

// Submit adds a job and returns its id.
func (q *Queue) Submit(job Job) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return 0, ErrClosed
	}
	q.nextID++
	q.jobs <- task{id: q.nextID, job: job}
	return q.nextID, nil
}

// Close stops accepting jobs and waits for the workers to finish.
func (q *Queue) Close() {
	q.mu.Lock()
	q.closed = true
	close(q.jobs)
	q.mu.Unlock()
	q.wg.Wait()
	close(q.results)
}

// Results returns the channel of finished jobs.
func (q *Queue) Results() <-chan Result {
	return q.results
}
