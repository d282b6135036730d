// Package jsonenc appends JSON string literals without reflection or allocation. The exporter's
// `json` log format and the simulator's event rendering share it.
package jsonenc // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/jsonenc"

import "unicode/utf8"

const hexDigits = "0123456789abcdef"

// safe reports the bytes appended as they are: ASCII but the control characters, '"' and '\\'.
var safe = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// Bytes of 8 bytes (SWAR).
const (
	lsb8 = 0x0101010101010101
	msb8 = 0x8080808080808080
)

// AppendString appends s to dst as a JSON string literal: quotes and backslashes escaped,
// control characters as \n, \r, \t or \u00XX, invalid UTF-8 replaced by U+FFFD. Runs of bytes
// that need no escaping (most strings are one) are appended whole.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if len(s)-i >= 8 {
			// 8 bytes at once: is any a control character, '"', '\\' or not ASCII? (The
			// classic tests for a byte below n and a zero byte, each exact for "any byte":
			// such a byte gets its high bit set.)
			b := s[i : i+8]
			x := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
				uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
			q, bs := x^('"'*lsb8), x^('\\'*lsb8) // a '"', a '\\' byte is zero
			if ((x-0x20*lsb8)&^x|(q-lsb8)&^q|(bs-lsb8)&^bs|x)&msb8 == 0 {
				i += 8
				continue
			}
		}
		for i < len(s) && safe[s[i]] {
			i++
		}
		if i == len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\ufffd"...)
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
