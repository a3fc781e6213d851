// The schema of sessions.sqlite, one entry per version (PRAGMA user_version = index + 1). Append
// only: a file written by an older server is brought forward by the entries past its version.
export const MIGRATIONS: readonly string[] = [
  // 1: the API credentials the sessions belong to, and the session server's state (session-store.ts).
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
  CREATE TABLE sessions (
    session_id TEXT PRIMARY KEY,
    media_mode TEXT NOT NULL,
    archive_mode TEXT NOT NULL,
    e2ee INTEGER NOT NULL,
    location TEXT NOT NULL,
    create_time INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE connections (
    connection_id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions (session_id),
    role TEXT NOT NULL,
    data TEXT NOT NULL,
    e2ee INTEGER NOT NULL,
    creation_time INTEGER NOT NULL,
    address_key TEXT NOT NULL,
    token_key TEXT NOT NULL
  ) STRICT;
  CREATE INDEX connections_by_session ON connections (session_id);
  CREATE TABLE streams (
    stream_id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions (session_id),
    connection_id TEXT NOT NULL REFERENCES connections (connection_id),
    name TEXT NOT NULL,
    has_audio INTEGER NOT NULL,
    has_video INTEGER NOT NULL,
    video_type TEXT NOT NULL,
    e2ee INTEGER NOT NULL,
    creation_time INTEGER NOT NULL,
    video_codec TEXT NOT NULL,
    audio_codec TEXT NOT NULL
  ) STRICT;
  CREATE TABLE peers (
    peer_id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions (session_id),
    stream_id TEXT NOT NULL REFERENCES streams (stream_id),
    publisher_connection_id TEXT NOT NULL REFERENCES connections (connection_id),
    subscriber_connection_id TEXT NOT NULL REFERENCES connections (connection_id),
    routed INTEGER NOT NULL
  ) STRICT;
  -- Foreign keys are enforced: each reference has an index, so a delete checks O(log n) rows.
  CREATE INDEX streams_by_connection ON streams (connection_id);
  CREATE INDEX peers_by_stream ON peers (stream_id);
  CREATE INDEX peers_by_publisher ON peers (publisher_connection_id);
  CREATE INDEX peers_by_subscriber ON peers (subscriber_connection_id);
  `,
  // 2: the size of a stream's video, as its publisher last said (streamProperty videoDimensions); 0: not said.
  `
  ALTER TABLE streams ADD COLUMN video_width INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE streams ADD COLUMN video_height INTEGER NOT NULL DEFAULT 0;
  `,
  // 3: the session's forced-mute state (forceMuteAll until disableForceMute): NULL when off, else
  // the JSON array of the stream ids it excludes.
  `
  ALTER TABLE sessions ADD COLUMN force_mute_excluded TEXT;
  `,
  // 4: layout class lists (OpenTok's initial_layout_class_list of a token, given to the streams its
  // connection publishes; changed by the REST API's setStreamClassLists): class names joined by spaces.
  `
  ALTER TABLE connections ADD COLUMN layout_class_list TEXT NOT NULL DEFAULT '';
  ALTER TABLE streams ADD COLUMN layout_class_list TEXT NOT NULL DEFAULT '';
  `,
  // 5: applications (@vonage/video's credentials): an id and the public key of the RS256 key pair
  // whose private half only the application holds (applications.ts).
  `
  CREATE TABLE applications (
    application_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    public_key TEXT NOT NULL,
    -- signs the session monitoring webhooks of its sessions (HS256), as the API secret does the project's
    signature_secret TEXT NOT NULL,
    create_time INTEGER NOT NULL
  ) STRICT;
  `,
  // 6: when a session last became empty (its last connection left), for idle expiry; 0: never had a
  // connection (its create_time counts).
  `
  ALTER TABLE sessions ADD COLUMN empty_since INTEGER NOT NULL DEFAULT 0;
  `,
  // 7: session monitoring callbacks (callbacks/callback-registry.ts), per project (API key or application).
  `
  CREATE TABLE callbacks (
    callback_id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    event_group TEXT NOT NULL,
    event TEXT NOT NULL,
    url TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX callbacks_by_project ON callbacks (project_id);
  `,
  // 8: archives (archives/archive-store.ts): one row per archive, its recordings in a folder named by its id.
  `
  CREATE TABLE archives (
    archive_id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    -- 0 while it records
    stopped_at INTEGER NOT NULL,
    has_audio INTEGER NOT NULL,
    has_video INTEGER NOT NULL,
    output_mode TEXT NOT NULL,
    stream_mode TEXT NOT NULL,
    multi_archive_tag TEXT NOT NULL,
    size INTEGER NOT NULL,
    -- JSON: [{streamId, hasAudio, hasVideo}], the streams it takes (streamMode manual) or took (auto)
    streams TEXT NOT NULL
  ) STRICT;
  CREATE INDEX archives_by_project ON archives (project_id, created_at);
  `,
];
