package jumpcloud

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
)

const (
	// MaxEventBytes is the per-event allowance of the default page bound: JumpCloud's largest
	// events (mdm profile lists, base64 payloads) weigh tens of KB, and a page is a JSON array of
	// page_size events.
	MaxEventBytes = 64 << 10
	// MinMaxResponseBytes is the floor of the default page bound, for small page sizes.
	MinMaxResponseBytes = 4 << 20

	// maxErrorBodyBytes bounds what is read of a non-2xx body: only its message is used.
	maxErrorBodyBytes = 64 << 10
	// initialBodyBuffer is the first buffer of a body of unknown length.
	initialBodyBuffer = 64 << 10
)

// MaxResponseBytesFor is the default bound of one page's body for a page size: limit events of
// MaxEventBytes each, at least MinMaxResponseBytes.
func MaxResponseBytesFor(limit int) int64 {
	return max(int64(requestedLimit(limit))*MaxEventBytes, MinMaxResponseBytes)
}

// ErrResponseTooLarge is returned (wrapped) when a body exceeds Settings.MaxResponseBytes; a
// smaller page size helps.
var ErrResponseTooLarge = errors.New("response body exceeds the configured maximum size")

// readBody reads the body of resp: at most limit bytes of a 2xx answer (ErrResponseTooLarge
// beyond), a prefix of any other answer. Memory stays within limit plus the buffer being grown:
// a declared Content-Length is allocated once (and refused unread when above limit); a body of
// unknown length grows a buffer by doubling up to limit bytes (at most 1.5 x limit live while the
// last copy is made, 2 x limit allocated in all).
//
// A 2xx body is read into buf, a buffer of the pool of page bodies (its capacity reused, grown
// when needed): pages of millions of events then cost no large allocation each, so the heap
// stays near what is held (Page.Release returns the buffer).
func readBody(resp *http.Response, limit int64, buf *[]byte) ([]byte, error) {
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return io.ReadAll(io.LimitReader(resp.Body, min(limit, maxErrorBodyBytes)))
	}
	return readCappedInto(buf, resp.Body, resp.ContentLength, limit)
}

// readCapped reads r whole if it holds at most limit bytes. declared is the announced length,
// -1 when unknown.
func readCapped(r io.Reader, declared, limit int64) ([]byte, error) {
	var buf []byte
	return readCappedInto(&buf, r, declared, limit)
}

// readCappedInto is readCapped reading into *bp's capacity (replaced by a larger buffer when it
// is too small; *bp then holds that buffer).
func readCappedInto(bp *[]byte, r io.Reader, declared, limit int64) ([]byte, error) {
	tooLarge := &tooLargeError{limit: limit}
	if declared > limit {
		return nil, tooLarge
	}
	if declared >= 0 {
		if int64(cap(*bp)) < declared {
			*bp = make([]byte, declared)
		}
		buf := (*bp)[:declared]
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		return buf, nil
	}
	if cap(*bp) == 0 {
		*bp = make([]byte, 0, min(limit, initialBodyBuffer))
	}
	buf := (*bp)[:0]
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) == limit {
				// Full at the bound: one more byte tells whether the body ends here.
				var probe [1]byte
				n, err := io.ReadFull(r, probe[:])
				if n > 0 {
					return nil, tooLarge
				}
				if err == io.EOF {
					return buf, nil
				}
				return nil, err
			}
			grown := make([]byte, len(buf), min(2*int64(cap(buf)), limit))
			copy(grown, buf)
			buf = grown
			*bp = grown
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// tooLargeError is ErrResponseTooLarge with the bound.
type tooLargeError struct{ limit int64 }

func (e *tooLargeError) Error() string {
	return fmt.Sprintf("%v (%d bytes)", ErrResponseTooLarge, e.limit)
}
func (e *tooLargeError) Unwrap() error { return ErrResponseTooLarge }

// bodyBuffers pools the buffers of page bodies (*[]byte). Pages are released once delivered;
// the pool keeps the buffers across pages and lets the garbage collector take them when idle.
var bodyBuffers sync.Pool

func getBodyBuffer() *[]byte {
	if bp, ok := bodyBuffers.Get().(*[]byte); ok {
		return bp
	}
	return new([]byte)
}

func putBodyBuffer(bp *[]byte) {
	if bp != nil {
		*bp = (*bp)[:0]
		bodyBuffers.Put(bp)
	}
}
