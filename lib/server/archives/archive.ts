// An archive: the recording of one routed session's streams through Janus, one folder of .mjr
// files per archive (ciphertext in end-to-end encrypted sessions), described as OpenTok's REST
// API describes archives.

export type ArchiveStatus = 'started' | 'stopped' | 'available' | 'failed' | 'deleted';
export type StreamMode = 'auto' | 'manual';

/** A stream an archive takes (streamMode manual) or took (auto), and which of its media. */
export interface ArchiveStream {
  streamId: string;
  hasAudio: boolean;
  hasVideo: boolean;
}

export interface Archive {
  id: string;
  projectId: string;
  sessionId: string;
  /** '' when none was given. */
  name: string;
  status: ArchiveStatus;
  /** Why it stopped or failed; '' while it records. */
  reason: string;
  /** ms since the epoch. */
  createdAt: number;
  /** ms since the epoch; 0 while it records. */
  stoppedAt: number;
  hasAudio: boolean;
  hasVideo: boolean;
  streamMode: StreamMode;
  /** '' when none was given. */
  multiArchiveTag: string;
  /** Bytes of its recordings once available. */
  size: number;
  streams: ArchiveStream[];
}

/** An archive as the REST API answers it (getArchive, listArchives' items) and archive callbacks carry it. */
export interface ArchiveJson {
  id: string;
  status: ArchiveStatus;
  name: string | null;
  reason: string;
  sessionId: string;
  projectId: string;
  partnerId: string;
  applicationId: string;
  createdAt: number;
  updatedAt: number;
  /** Seconds; 0 while it records. */
  duration: number;
  size: number;
  /** Always individual: one recording per stream (the server cannot compose what it cannot decode). */
  outputMode: 'individual';
  streamMode: StreamMode;
  hasAudio: boolean;
  hasVideo: boolean;
  hasTranscription: false;
  /** Only composed archives have one. */
  resolution: null;
  /**
   * Once available: a link to a zip of its recordings and manifest, working without credentials
   * for 10 minutes (archive-download.ts); null before, and after deletion.
   */
  url: string | null;
  password: '';
  streams: ArchiveStream[];
  multiArchiveTag?: string;
}

/** `url`: the archive's download link, when it is available. */
export function archiveJson(archive: Archive, url: string | null = null): ArchiveJson {
  return {
    id: archive.id,
    status: archive.status,
    name: archive.name === '' ? null : archive.name,
    reason: archive.reason,
    sessionId: archive.sessionId,
    projectId: archive.projectId,
    partnerId: archive.projectId,
    applicationId: archive.projectId,
    createdAt: archive.createdAt,
    updatedAt: archive.stoppedAt || archive.createdAt,
    duration: archive.stoppedAt === 0 ? 0 : Math.round((archive.stoppedAt - archive.createdAt) / 1000),
    size: archive.size,
    outputMode: 'individual',
    streamMode: archive.streamMode,
    hasAudio: archive.hasAudio,
    hasVideo: archive.hasVideo,
    hasTranscription: false,
    resolution: null,
    url: archive.status === 'available' ? url : null,
    password: '',
    streams: archive.streams.map((s) => ({ ...s })),
    ...(archive.multiArchiveTag !== '' && { multiArchiveTag: archive.multiArchiveTag }),
  };
}
