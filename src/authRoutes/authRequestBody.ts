/**
 * The JSON bodies of the auth routes, read and checked without a schema library, so the routes
 * load nothing beyond the core. Each bad field is named, as the service's routes name them.
 */
import { MalformedJsonError, PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError, type FieldProblem } from '../errors';

/** The body as the framework has it: parsed already by the app's body parser, or still a stream of bytes. */
export type PresentedBody = { parsed: unknown } | { stream: AsyncIterable<Uint8Array> | null };

export interface LoginBody {
  username: string;
  password: string;
  remember: boolean;
  device: { type?: string; name?: string };
}

/** Usernames and passwords are the app's to judge; these bounds only keep a request small. */
const MAX_USERNAME_LENGTH = 256;
const MAX_PASSWORD_LENGTH = 1024;
const MAX_REFRESH_TOKEN_LENGTH = 128;
const MAX_DEVICE_FIELD_LENGTH = 64;

/**
 * The body as a plain value; {} when none was sent. A body that is not JSON is refused
 * (415), as is one longer than `limitBytes` (413) or not JSON at all (400).
 */
export async function readJsonBody(body: PresentedBody, contentType: string | undefined, limitBytes: number): Promise<unknown> {
  const json = contentType === undefined || /^application\/json\s*(;|$)/i.test(contentType);
  if ('parsed' in body) {
    const empty = body.parsed === undefined || (isObject(body.parsed) && Object.keys(body.parsed).length === 0);
    if (!empty && !json) throw new UnsupportedMediaTypeError();
    return body.parsed ?? {};
  }
  const text = body.stream ? await readText(body.stream, limitBytes) : '';
  if (text === '') return {};
  if (!json) throw new UnsupportedMediaTypeError();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new MalformedJsonError();
  }
}

async function readText(stream: AsyncIterable<Uint8Array>, limitBytes: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.byteLength;
    if (size > limitBytes) throw new PayloadTooLargeError(limitBytes);
    chunks.push(chunk);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // Not UTF-8, so not JSON (RFC 8259 §8.1).
    throw new MalformedJsonError();
  }
}

export function loginBody(input: unknown): LoginBody {
  const body = objectOf(input, ['username', 'password', 'remember', 'device']);
  const problems: FieldProblem[] = [];
  const username = text(body.username, 'username', MAX_USERNAME_LENGTH, problems);
  const password = text(body.password, 'password', MAX_PASSWORD_LENGTH, problems);
  if (body.remember !== undefined && typeof body.remember !== 'boolean') problems.push({ field: 'remember', message: 'must be true or false' });
  const device: LoginBody['device'] = {};
  if (body.device !== undefined) {
    if (!isObject(body.device)) {
      problems.push({ field: 'device', message: 'must be an object with type and name' });
    } else {
      for (const [field, value] of Object.entries(body.device)) {
        if (field !== 'type' && field !== 'name') problems.push({ field: `device.${field}`, message: 'is not a field of device' });
        else if (typeof value !== 'string' || value.length > MAX_DEVICE_FIELD_LENGTH) {
          problems.push({ field: `device.${field}`, message: `must be a string of at most ${MAX_DEVICE_FIELD_LENGTH} characters` });
        } else if (field === 'type' && !/^[a-z0-9_-]{1,32}$/i.test(value)) {
          problems.push({ field: 'device.type', message: 'must be 1-32 letters, digits, "_" or "-"' });
        } else device[field] = value;
      }
    }
  }
  if (problems.length > 0) throw new ValidationError(problems);
  return { username, password, remember: body.remember === true, device };
}

export function refreshBody(input: unknown): { refreshToken: string } {
  const body = objectOf(input, ['refreshToken']);
  const problems: FieldProblem[] = [];
  const refreshToken = text(body.refreshToken, 'refreshToken', MAX_REFRESH_TOKEN_LENGTH, problems);
  if (problems.length > 0) throw new ValidationError(problems);
  return { refreshToken };
}

function objectOf(input: unknown, fields: string[]): Record<string, unknown> {
  if (!isObject(input)) throw new ValidationError([{ field: 'body', message: 'must be a JSON object' }]);
  const unknown = Object.keys(input).filter((field) => !fields.includes(field));
  if (unknown.length > 0) throw new ValidationError(unknown.map((field) => ({ field, message: 'is not a field of this request' })));
  return input;
}

function text(value: unknown, field: string, maxLength: number, problems: FieldProblem[]): string {
  if (typeof value !== 'string' || value === '') problems.push({ field, message: 'is required' });
  else if (value.length > maxLength) problems.push({ field, message: `must be at most ${maxLength} characters` });
  return typeof value === 'string' ? value : '';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
