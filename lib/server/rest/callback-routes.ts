// `/v2/project/{id}/callback`: session monitoring callbacks as the `opentok` SDK registers, lists
// and removes them (registerCallback, listCallbacks, unregisterCallback).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CallbackError, type CallbackRegistry } from '../callbacks/callback-registry';
import { decodePathSegment } from '../request-target';
import { HttpError, readJsonObject, requireMethod, sendJson, sendNoContent } from './http';

/** Serves `rest` (the path after /v2/project/{id}/); false when it is not a callback path. */
export async function serveCallbackRoute(req: IncomingMessage, res: ServerResponse, registry: CallbackRegistry, projectId: string,
  rest: string, bodyLimit: number): Promise<boolean> {
  if (rest === 'callback') {
    if (req.method === 'GET') {
      sendJson(res, 200, registry.list(projectId));
      return true;
    }
    requireMethod(req, 'POST');
    const body = await readJsonObject(req, bodyLimit);
    try {
      // Answered once stored: in a cluster, once Redis has it.
      sendJson(res, 200, await registry.register(projectId, body));
    } catch (err) {
      if (err instanceof CallbackError) throw new HttpError(400, err.message);
      throw err;
    }
    return true;
  }
  const one = /^callback\/([^/]+)$/.exec(rest);
  if (!one) return false;
  requireMethod(req, 'DELETE');
  const id = decodePathSegment(one[1]!);
  if (id === undefined) throw new HttpError(400, 'malformed %-escape in the path');
  if (!await registry.remove(projectId, id)) throw new HttpError(404, 'no such callback in this project');
  sendNoContent(res);
  return true;
}
