package sumologichttpexporter // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/exporter/sumologichttpexporter"

import (
	"fmt"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
	"go.opentelemetry.io/collector/config/configcompression"
)

// sliceWriter appends everything written to b; it lets pooled compressors write into a
// caller-owned buffer without allocating.
type sliceWriter struct{ b []byte }

func (w *sliceWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

// pooledStream is a gzip or zlib writer bound to its output sliceWriter.
type pooledStream struct {
	out   sliceWriter
	write func(p []byte) (int, error)
	close func() error
	reset func()
}

// compressor compresses request bodies with pooled encoders. Content-Encoding "deflate" is the
// zlib format (RFC 9110), which is what HTTP servers, Sumo Logic included, decode.
type compressor struct {
	typ      configcompression.Type
	encoding string // Content-Encoding header value; "" for none
	streams  sync.Pool
	zstd     *zstd.Encoder
}

// newCompressor builds the compressor for typ ("gzip", "deflate", "zstd", "none" or "").
// level 0 means the algorithm's default level.
func newCompressor(typ configcompression.Type, level configcompression.Level) (*compressor, error) {
	c := &compressor{typ: typ}
	switch typ {
	case configcompression.TypeGzip:
		lvl := int(level)
		if lvl == 0 {
			lvl = gzip.DefaultCompression
		}
		if _, err := gzip.NewWriterLevel(nil, lvl); err != nil {
			return nil, fmt.Errorf("compression_params: %w", err)
		}
		c.encoding = "gzip"
		c.streams.New = func() any {
			s := &pooledStream{}
			w, _ := gzip.NewWriterLevel(&s.out, lvl)
			s.write, s.close, s.reset = w.Write, w.Close, func() { w.Reset(&s.out) }
			return s
		}
	case configcompression.TypeDeflate:
		lvl := int(level)
		if lvl == 0 {
			lvl = zlib.DefaultCompression
		}
		if _, err := zlib.NewWriterLevel(nil, lvl); err != nil {
			return nil, fmt.Errorf("compression_params: %w", err)
		}
		c.encoding = "deflate"
		c.streams.New = func() any {
			s := &pooledStream{}
			w, _ := zlib.NewWriterLevel(&s.out, lvl)
			s.write, s.close, s.reset = w.Write, w.Close, func() { w.Reset(&s.out) }
			return s
		}
	case configcompression.TypeZstd:
		opts := []zstd.EOption{zstd.WithEncoderConcurrency(1)}
		if level != 0 {
			opts = append(opts, zstd.WithEncoderLevel(zstd.EncoderLevelFromZstd(int(level))))
		}
		enc, err := zstd.NewWriter(nil, opts...)
		if err != nil {
			return nil, fmt.Errorf("compression_params: %w", err)
		}
		c.encoding = "zstd"
		c.zstd = enc
	case compressionNone, "":
	default:
		return nil, fmt.Errorf("compression: %q is not supported", typ)
	}
	return c, nil
}

// compress appends the compressed form of src to dst[:0] and returns it. Without compression
// it returns src itself.
func (c *compressor) compress(dst, src []byte) ([]byte, error) {
	switch {
	case c.zstd != nil:
		return c.zstd.EncodeAll(src, dst[:0]), nil
	case c.encoding == "":
		return src, nil
	}
	s := c.streams.Get().(*pooledStream)
	s.out.b = dst[:0]
	s.reset()
	_, err := s.write(src)
	if err == nil {
		err = s.close()
	}
	out := s.out.b
	s.out.b = nil
	c.streams.Put(s)
	if err != nil {
		return nil, fmt.Errorf("compressing the request body (%s): %w", c.encoding, err)
	}
	return out, nil
}

// metricName is the value of the compression attribute of the self-metrics.
func (c *compressor) metricName() string {
	if c.encoding == "" {
		return string(compressionNone)
	}
	return c.encoding
}

func (c *compressor) close() {
	if c.zstd != nil {
		_ = c.zstd.Close()
	}
}
