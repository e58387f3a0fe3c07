/**
 * A JSON upload with progress: fetch cannot report how much of a request body has gone out, so
 * large files (an import, SPEC §15) go through XMLHttpRequest, answering as `call()` does.
 */
import { ApiError, apiUrl, networkError } from './api';

export interface UploadProgress {
  sent: number;
  total: number;
}

export function uploadJson<T>(path: string, query: Record<string, string | undefined>, body: Blob, onProgress: (p: UploadProgress) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', apiUrl(path, query));
    xhr.setRequestHeader('Content-Type', 'application/json');
    xhr.upload.onprogress = (event) => onProgress({ sent: event.loaded, total: event.lengthComputable ? event.total : body.size });
    xhr.onerror = () => reject(networkError());
    xhr.onload = () => {
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(xhr.responseText);
      } catch {
        // Not our JSON (a proxy's page): the status says what happened.
      }
      if (xhr.status >= 200 && xhr.status < 300) return resolve(parsed as T);
      const error = (parsed as { error?: { code?: unknown; message?: unknown } } | null)?.error;
      const code = typeof error?.code === 'string' ? error.code : xhr.status === 413 ? 'too_large' : 'internal';
      const message = typeof error?.message === 'string' ? error.message : xhr.statusText || `Upload failed (${xhr.status})`;
      reject(new ApiError(xhr.status, code, message));
    };
    xhr.send(body);
  });
}
