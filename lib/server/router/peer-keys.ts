// How routed peers are named on the wire: a publisher's peer is `pub-<streamId>`; a
// subscription's is its peerId from the session store.

/** The key of a publisher's peer, as the client knows it (docs/protocol.md). */
export function publisherPeerKey(streamId: string): string {
  return `pub-${streamId}`;
}

/** The stream of a publisher's peer key; undefined for other keys (subscriptions). */
export function streamOfPublisherPeer(peerKey: string): string | undefined {
  return peerKey.startsWith('pub-') ? peerKey.slice(4) : undefined;
}
