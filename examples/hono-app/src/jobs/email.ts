// Email through the outbox: the message is written to email_outbox first (once per dedupe key),
// then a job on the "email" queue delivers it and marks it sent. A lost job never loses the
// message (it is in the table), and a duplicate job never sends it twice (status check).
import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import type { AppDb } from "../db/client.js";
import { email_outbox } from "../db/schema.js";
import type { AppDeps } from "../lib/deps.js";

export const EMAIL_QUEUE = "email";

/** What queuing a message reports of it. */
const QUEUED_COLUMNS = {
  message_id: email_outbox.message_id,
  subject: email_outbox.subject,
  status: email_outbox.status,
};

export type QueuedMessage = Pick<typeof email_outbox.$inferSelect, keyof typeof QUEUED_COLUMNS>;

export interface EmailTransport {
  send(message: { messageId: string; to: string[]; subject: string; body: string }): Promise<void>;
}

export interface OutgoingEmail {
  dedupeKey: string;
  recipients: string[];
  subject: string;
  body: string;
}

/**
 * Writes a message to the outbox (once per dedupe key) and queues its delivery. Made once where a
 * handler is made: its INSERT is prepared then (see db/catalog.ts).
 */
export function emailSender(
  deps: Pick<AppDeps, "db" | "jobs">,
): (message: OutgoingEmail) => Promise<QueuedMessage> {
  const insertMessage = deps.db
    .insert(email_outbox)
    .values({
      message_id: sql.placeholder("message_id"),
      dedupe_key: sql.placeholder("dedupe_key"),
      recipients: sql.placeholder("recipients"),
      subject: sql.placeholder("subject"),
      body: sql.placeholder("body"),
    })
    .onConflictDoNothing({ target: email_outbox.dedupe_key })
    .returning(QUEUED_COLUMNS)
    .prepare("insert_outbox_message");
  return async (message) => {
    const [inserted] = await insertMessage.execute({
      message_id: `msg_${randomUUID().replaceAll("-", "").slice(0, 20)}`,
      dedupe_key: message.dedupeKey,
      recipients: message.recipients,
      subject: message.subject,
      body: message.body,
    });
    // No row back: the message was written before (a retried step); read it to see if it was sent.
    const stored =
      inserted ??
      (
        await deps.db
          .select(QUEUED_COLUMNS)
          .from(email_outbox)
          .where(eq(email_outbox.dedupe_key, message.dedupeKey))
      )[0];
    if (!stored) throw new Error(`outbox message ${message.dedupeKey} vanished after insert`);
    if (stored.status !== "sent") {
      await deps.jobs.add(
        EMAIL_QUEUE,
        { message_id: stored.message_id },
        { jobId: stored.message_id, attempts: 5, backoff: { type: "exponential", delayMs: 500 } },
      );
    }
    return stored;
  };
}

/** A transport that logs instead of talking SMTP (swap in a real one in production). */
export function loggingTransport(logger: AppDeps["logger"]): EmailTransport {
  return {
    async send(message) {
      logger.info({ message_id: message.messageId, to: message.to, subject: message.subject }, "email sent");
    },
  };
}

/** Starts delivering outbox messages from the email queue. */
export function registerEmailDelivery(
  deps: Pick<AppDeps, "db" | "jobs" | "logger">,
  transport: EmailTransport = loggingTransport(deps.logger),
  concurrency = 4,
): void {
  const deliver = outboxDelivery(deps.db, transport);
  deps.jobs.process<{ message_id: string }>(EMAIL_QUEUE, concurrency, async (job) => {
    await deliver(job.data.message_id, job.attempt >= job.maxAttempts);
  });
}

/** Sends an outbox message unless it was sent, and records the attempt. */
function outboxDelivery(db: AppDb, transport: EmailTransport) {
  // The two statements every delivery runs, prepared once.
  const findMessage = db
    .select({
      message_id: email_outbox.message_id,
      recipients: email_outbox.recipients,
      subject: email_outbox.subject,
      body: email_outbox.body,
      status: email_outbox.status,
      attempts: email_outbox.attempts,
    })
    .from(email_outbox)
    .where(eq(email_outbox.message_id, sql.placeholder("message_id")))
    .prepare("outbox_message");
  const markSent = db
    .update(email_outbox)
    .set({
      status: "sent",
      sent_at: sql`now()`,
      attempts: sql`${email_outbox.attempts} + 1`,
      last_error: null,
    })
    .where(eq(email_outbox.message_id, sql.placeholder("message_id")))
    .prepare("mark_outbox_message_sent");
  return async (messageId: string, lastAttempt: boolean) => {
    const [message] = await findMessage.execute({ message_id: messageId });
    if (!message || message.status === "sent") return;
    try {
      await transport.send({
        messageId: message.message_id,
        to: message.recipients,
        subject: message.subject,
        body: message.body,
      });
    } catch (error) {
      await db
        .update(email_outbox)
        .set({
          attempts: message.attempts + 1,
          last_error: (error as Error).message,
          status: lastAttempt ? "failed" : "queued",
        })
        .where(eq(email_outbox.message_id, messageId));
      throw error;
    }
    await markSent.execute({ message_id: messageId });
  };
}
