// Recordings of end-to-end encrypted routed sessions, for key holders: `node-otc/recording`.
export { decryptMjr, decryptRecording, recordingNameParts, RecordingError } from './decrypt-recording';
export type { DecryptRecordingOptions, RecordingKey, RecordingReport } from './decrypt-recording';
export { parseMjr, serializeMjr, MjrError } from './mjr';
export type { Mjr, MjrInfo, MjrPacket } from './mjr';
export { depacketize, packetize } from './frames';
export type { RecordedCodec, RecordedFrame, Depacketized } from './frames';
export { serializeIvf } from './ivf';
export { findRecordings, readLiveRecording, type LiveRecordingSnapshot, type RecordedFrame as LiveRecordedFrame } from './live-frames';
