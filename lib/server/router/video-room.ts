// The VideoRoom plugin requests the router uses, typed. Facts behind the choices:
// docs/platform-facts.md section 2.
import type { JanusConnection, JanusHandle, Jsep } from './janus-connection';

export const VIDEOROOM_PLUGIN = 'janus.plugin.videoroom';

export interface RoomSettings {
  room: number;
  description: string;
  /** `require_e2ee`: publishers must mark their JSEP e2ee (Janus never checks the payload). */
  requireE2ee: boolean;
  /** Folder for .mjr recordings. */
  recordingsDir?: string;
  maxPublishers: number;
}

/** Creates a room (not permanent: it lives as long as the Janus instance or until destroyed). */
export async function createRoom(control: JanusHandle, settings: RoomSettings): Promise<void> {
  await control.message({
    request: 'create',
    room: settings.room,
    permanent: false,
    description: settings.description,
    publishers: settings.maxPublishers,
    audiocodec: 'opus',
    // Janus picks the first of these the publisher's offer has; node-otc offers exactly one.
    videocodec: 'vp8,vp9,h264',
    require_e2ee: settings.requireE2ee,
    notify_joining: false,
    // No recorder at creation: Janus 1.1.2 would start it before the publisher is marked e2ee,
    // and the recording would lack the encrypted mark (docs/platform-facts.md section 2.3);
    // each publisher is recorded by `configure` after its media is up.
    record: false,
    ...(settings.recordingsDir !== undefined && { rec_dir: settings.recordingsDir }),
  });
}

export async function destroyRoom(control: JanusHandle, room: number): Promise<void> {
  await control.message({ request: 'destroy', room, permanent: false });
}

/** Joins `room` as publisher `feed` with the client's offer; resolves with Janus's answer. */
export async function joinAsPublisher(handle: JanusHandle, room: number, feed: number, display: string, offer: Jsep): Promise<Jsep> {
  const reply = await handle.message({ request: 'joinandconfigure', ptype: 'publisher', room, id: feed, display }, offer);
  if (!reply.jsep || reply.jsep.type !== 'answer') throw new Error('Janus answered the publisher without an SDP answer');
  return reply.jsep;
}

/** A joined publisher's new offer (an ICE restart); resolves with Janus's answer. */
export async function renegotiatePublisher(handle: JanusHandle, offer: Jsep): Promise<Jsep> {
  const reply = await handle.message({ request: 'configure' }, offer);
  if (!reply.jsep || reply.jsep.type !== 'answer') throw new Error('Janus answered the new offer without an SDP answer');
  return reply.jsep;
}

/** Asks Janus to restart ICE towards a subscriber; resolves with its new offer (answered by startSubscriber). */
export async function restartSubscriberIce(handle: JanusHandle): Promise<Jsep> {
  const reply = await handle.message({ request: 'configure', restart: true });
  if (!reply.jsep || reply.jsep.type !== 'offer') throw new Error('Janus sent no new SDP offer for the ICE restart');
  return reply.jsep;
}

/**
 * Starts recording one publisher (after its media is up) to `<rec_dir>/<filename>-<kind>-<n>.mjr`.
 * `filename` may name a subfolder of rec_dir, which must exist: Janus creates only rec_dir itself.
 */
export async function recordPublisher(handle: JanusHandle, filename: string): Promise<void> {
  await handle.message({ request: 'configure', record: true, filename });
}

/** Stops recording one publisher; Janus has closed its files when this resolves. */
export async function stopRecordingPublisher(handle: JanusHandle): Promise<void> {
  await handle.message({ request: 'configure', record: false });
}

/** Subscribes to `feed`; resolves with Janus's offer. */
export async function joinAsSubscriber(handle: JanusHandle, room: number, feed: number): Promise<Jsep> {
  const reply = await handle.message({ request: 'join', ptype: 'subscriber', room, streams: [{ feed }] });
  if (!reply.jsep || reply.jsep.type !== 'offer') throw new Error('Janus sent the subscriber no SDP offer');
  return reply.jsep;
}

/** Completes a subscription with the client's answer. */
export async function startSubscriber(handle: JanusHandle, answer: Jsep): Promise<void> {
  await handle.message({ request: 'start' }, answer);
}

/** Rooms on an instance and their participants (for tests and diagnostics). */
export async function listParticipants(control: JanusHandle, room: number): Promise<Array<{ id: number; publisher: boolean }>> {
  const reply = await control.message({ request: 'listparticipants', room });
  return (reply.data['participants'] as Array<{ id: number; publisher: boolean }> | undefined) ?? [];
}

/** A handle used for room-level requests (create, destroy, list). */
export function attachControl(connection: JanusConnection): Promise<JanusHandle> {
  return connection.attach(VIDEOROOM_PLUGIN);
}
