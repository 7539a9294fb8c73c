// Package examples holds annotated job handlers: the input of jobgen, whose
// output is in package generated, and what the demo runs. The handlers do
// plausible work (validation, computation, typed results, SQL through the
// tenant's transaction) without network I/O.
//
// Handlers must be idempotent: delivery is at least once.
package examples

//go:generate go run github.com/jobsgo/jobs/cmd/jobgen -out ../generated

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/jobsgo/jobs"
)

// SendEmailArgs are the args of a send_email job.
type SendEmailArgs struct {
	To      string            `json:"to"`
	Subject string            `json:"subject"`
	Body    string            `json:"body"`
	Headers map[string]string `json:"headers,omitempty"`
}

// SendEmailResult is what a sent email leaves behind.
type SendEmailResult struct {
	MessageID string `json:"message_id"`
	Bytes     int    `json:"bytes"`
}

// SendEmail renders and "sends" one email. An invalid address is permanent:
// the job goes to the dead-letter queue without retries.
//
//jobs:handler queue=emails priority=high max_retries=5
func SendEmail(ctx context.Context, args SendEmailArgs) (SendEmailResult, error) {
	addr, err := mail.ParseAddress(args.To)
	if err != nil {
		return SendEmailResult{}, jobs.SkipRetry(fmt.Errorf("recipient %q: %w", args.To, err))
	}
	if strings.TrimSpace(args.Subject) == "" {
		return SendEmailResult{}, jobs.SkipRetry(errors.New("subject is empty"))
	}
	if err := ctx.Err(); err != nil {
		return SendEmailResult{}, err
	}
	var msg strings.Builder
	fmt.Fprintf(&msg, "To: %s\r\nSubject: %s\r\n", addr.Address, args.Subject)
	for _, k := range slices.Sorted(maps.Keys(args.Headers)) {
		fmt.Fprintf(&msg, "%s: %s\r\n", k, args.Headers[k])
	}
	msg.WriteString("\r\n" + args.Body)
	return SendEmailResult{MessageID: "<" + digest(msg.String())[:16] + "@jobs.example>", Bytes: msg.Len()}, nil
}

// ImageFormat is an output format of ProcessImage.
type ImageFormat string

// The supported image formats.
const (
	FormatJPEG ImageFormat = "jpeg"
	FormatPNG  ImageFormat = "png"
	FormatWebP ImageFormat = "webp"
)

// ProcessImageArgs ask for a resized copy of an uploaded image.
type ProcessImageArgs struct {
	SourceKey string      `json:"source_key"`
	Width     int         `json:"width"`  // of the source
	Height    int         `json:"height"` // of the source
	MaxSide   int         `json:"max_side"`
	Format    ImageFormat `json:"format"`
}

// ProcessImageResult describes the resized image.
type ProcessImageResult struct {
	OutputKey string `json:"output_key"`
	Width     int    `json:"width"`
	Height    int    `json:"height"`
}

// ProcessImage works out the thumbnail of an image: its size, keeping the
// aspect ratio, and where it is stored.
//
//jobs:handler queue=media timeout=2m backoff=linear initial_delay=2s max_delay=30s
func ProcessImage(ctx context.Context, args ProcessImageArgs) (ProcessImageResult, error) {
	switch {
	case args.SourceKey == "":
		return ProcessImageResult{}, jobs.SkipRetry(errors.New("source key is empty"))
	case args.Width <= 0 || args.Height <= 0 || args.MaxSide <= 0:
		return ProcessImageResult{}, jobs.SkipRetry(fmt.Errorf("bad sizes %dx%d, max side %d", args.Width, args.Height, args.MaxSide))
	}
	switch args.Format {
	case FormatJPEG, FormatPNG, FormatWebP:
	default:
		return ProcessImageResult{}, jobs.SkipRetry(fmt.Errorf("unsupported format %q", args.Format))
	}
	w, h := args.Width, args.Height
	if longest := max(w, h); longest > args.MaxSide {
		w = max(1, w*args.MaxSide/longest)
		h = max(1, h*args.MaxSide/longest)
	}
	base := strings.TrimSuffix(args.SourceKey, "."+extension(args.SourceKey))
	return ProcessImageResult{OutputKey: fmt.Sprintf("%s_%dx%d.%s", base, w, h, args.Format), Width: w, Height: h}, ctx.Err()
}

// Sale is one line of the sales ledger.
type Sale struct {
	Region string
	Cents  int64
	At     time.Time
}

// SalesSource reads the sales ledger; Reports gets one injected.
type SalesSource interface {
	Sales(ctx context.Context, from, to time.Time) ([]Sale, error)
}

// Reports generates reports from the sales ledger.
type Reports struct {
	Source SalesSource
}

// ReportArgs select a sales report.
type ReportArgs struct {
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	Region string    `json:"region,omitempty"` // empty: all regions
}

// ReportResult is a generated sales report.
type ReportResult struct {
	Sales      int              `json:"sales"`
	TotalCents int64            `json:"total_cents"`
	ByRegion   map[string]int64 `json:"by_region"`
}

// GenerateReport totals the sales of a period.
//
//jobs:handler queue=reports max_retries=2 timeout=5m
func (r *Reports) GenerateReport(ctx context.Context, args ReportArgs) (ReportResult, error) {
	if !args.To.After(args.From) {
		return ReportResult{}, jobs.SkipRetry(fmt.Errorf("empty period %s to %s", args.From.Format(time.DateOnly), args.To.Format(time.DateOnly)))
	}
	sales, err := r.Source.Sales(ctx, args.From, args.To)
	if err != nil {
		return ReportResult{}, fmt.Errorf("read sales: %w", err)
	}
	res := ReportResult{ByRegion: make(map[string]int64)}
	for _, s := range sales {
		if args.Region != "" && s.Region != args.Region {
			continue
		}
		res.Sales++
		res.TotalCents += s.Cents
		res.ByRegion[s.Region] += s.Cents
	}
	return res, nil
}

// BulkExportArgs ask for an export of many records.
type BulkExportArgs struct {
	Dataset   string `json:"dataset"`
	Records   int    `json:"records"`
	ChunkSize int    `json:"chunk_size"`
}

// BulkExportResult describes a finished export.
type BulkExportResult struct {
	Chunks   int    `json:"chunks"`
	Checksum string `json:"checksum"`
}

// BulkExport exports a dataset chunk by chunk, stopping between chunks when
// the job is cancelled or times out. It is low priority with a long timeout.
//
//jobs:handler queue=exports priority=low max_retries=1 timeout=30m
func BulkExport(ctx context.Context, args BulkExportArgs) (BulkExportResult, error) {
	if args.Dataset == "" || args.Records < 0 || args.ChunkSize <= 0 {
		return BulkExportResult{}, jobs.SkipRetry(fmt.Errorf("bad export %+v", args))
	}
	h := sha256.New()
	chunks := 0
	for start := 0; start < args.Records; start += args.ChunkSize {
		if err := ctx.Err(); err != nil {
			return BulkExportResult{}, fmt.Errorf("export %s stopped after %d chunks: %w", args.Dataset, chunks, err)
		}
		end := min(start+args.ChunkSize, args.Records)
		fmt.Fprintf(h, "%s:%d-%d\n", args.Dataset, start, end)
		chunks++
	}
	return BulkExportResult{Chunks: chunks, Checksum: hex.EncodeToString(h.Sum(nil))[:16]}, nil
}

// NotifyUsersArgs are the args of a tenant notification.
type NotifyUsersArgs struct {
	UserIDs []int64 `json:"user_ids"`
	Kind    string  `json:"kind"`
	Message string  `json:"message"`
}

// NotifyUsers stores one in-app notification per user in the tenant's
// notifications table. tx is inside the tenant's schema, so the same SQL
// serves every tenant, and the rows commit only if the job succeeds.
//
//jobs:handler queue=notifications tenant
func NotifyUsers(ctx context.Context, tx *sql.Tx, args NotifyUsersArgs) error {
	if len(args.UserIDs) == 0 || args.Kind == "" {
		return jobs.SkipRetry(errors.New("no users or no kind"))
	}
	for _, id := range args.UserIDs {
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO notifications (user_id, kind, message) VALUES ($1, $2, $3)`,
			id, args.Kind, args.Message); err != nil {
			return fmt.Errorf("notify user %d: %w", id, err)
		}
	}
	return nil
}

// ErrCardDeclined is a permanent payment failure.
var ErrCardDeclined = errors.New("card declined")

// PaymentGateway charges money. The demo plugs in one that fails on purpose.
type PaymentGateway interface {
	// Charge charges amount cents once per idempotency key and returns the
	// charge's ID.
	Charge(ctx context.Context, idempotencyKey string, cents int64, currency string) (string, error)
}

// Billing charges invoices through a payment gateway.
type Billing struct {
	Gateway PaymentGateway
}

// ChargeInvoiceArgs are the args of a charge_invoice job.
type ChargeInvoiceArgs struct {
	InvoiceID string `json:"invoice_id"`
	Cents     int64  `json:"cents"`
	Currency  string `json:"currency"`
}

// ChargeResult is a successful charge.
type ChargeResult struct {
	ChargeID string `json:"charge_id"`
}

// ChargeInvoice charges an invoice. A gateway failure is retried with
// exponential backoff (the invoice ID is the idempotency key, so a retry
// never charges twice); a declined card is not.
//
//jobs:handler queue=billing priority=critical max_retries=3 backoff=exponential initial_delay=1s max_delay=10s
func (b *Billing) ChargeInvoice(ctx context.Context, args ChargeInvoiceArgs) (ChargeResult, error) {
	if args.InvoiceID == "" || args.Cents <= 0 || len(args.Currency) != 3 {
		return ChargeResult{}, jobs.SkipRetry(fmt.Errorf("bad invoice %+v", args))
	}
	id, err := b.Gateway.Charge(ctx, "invoice:"+args.InvoiceID, args.Cents, strings.ToUpper(args.Currency))
	if errors.Is(err, ErrCardDeclined) {
		return ChargeResult{}, jobs.SkipRetry(err)
	}
	if err != nil {
		return ChargeResult{}, fmt.Errorf("charge invoice %s: %w", args.InvoiceID, err)
	}
	return ChargeResult{ChargeID: id}, nil
}

// CleanupSessionsArgs are the args of cleanup_sessions jobs.
type CleanupSessionsArgs struct {
	OlderThan time.Duration `json:"older_than"`
}

// CleanupSessions is a maintenance job with every option at its default: job
// type cleanup_sessions, default queue, normal priority, no result.
//
//jobs:handler
func CleanupSessions(ctx context.Context, args CleanupSessionsArgs) error {
	if args.OlderThan <= 0 {
		return jobs.SkipRetry(fmt.Errorf("older_than %s is not positive", args.OlderThan))
	}
	return ctx.Err()
}

func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func extension(key string) string {
	if i := strings.LastIndexByte(key, '.'); i >= 0 && !strings.Contains(key[i:], "/") {
		return key[i+1:]
	}
	return ""
}
