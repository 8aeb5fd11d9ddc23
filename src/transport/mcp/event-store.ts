// Resumable MCP streams: the last messages of one session kept in memory, so a client that lost its SSE stream can
// reconnect with Last-Event-ID and get what it missed. Bounded; a node restart or a session on another node loses
// them (the client then sees a fresh stream, which the protocol allows).
import type { EventId, EventStore, StreamId } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

type Stored = { id: EventId; streamId: StreamId; message: JSONRPCMessage };

export class SessionEventStore implements EventStore {
  private readonly events: Stored[] = [];
  private counter = 0;

  constructor(private readonly capacity = 500) {}

  async storeEvent(streamId: StreamId, message: JSONRPCMessage): Promise<EventId> {
    // Event ids carry their stream, and sort by arrival within the session.
    const id = `${streamId}_${String(++this.counter).padStart(10, '0')}`;
    this.events.push({ id, streamId, message });
    if (this.events.length > this.capacity) this.events.splice(0, this.events.length - this.capacity);
    return id;
  }

  async getStreamIdForEventId(eventId: EventId): Promise<StreamId | undefined> {
    return this.events.find((e) => e.id === eventId)?.streamId;
  }

  async replayEventsAfter(
    lastEventId: EventId,
    { send }: { send: (eventId: EventId, message: JSONRPCMessage) => Promise<void> },
  ): Promise<StreamId> {
    const at = this.events.findIndex((e) => e.id === lastEventId);
    if (at < 0) return '';
    const { streamId } = this.events[at]!;
    for (const e of this.events.slice(at + 1)) if (e.streamId === streamId) await send(e.id, e.message);
    return streamId;
  }
}
