import { pbkdf2, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { badRequest } from '../errors.js';

const pbkdf2Async = promisify(pbkdf2);
const ITERATIONS = 100_000;
const SCHEME = 'pbkdf2-sm3';

/** PBKDF2 with HMAC-SM3 (国密), stored as `pbkdf2-sm3$iterations$salt$hash`. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await pbkdf2Async(password, salt, ITERATIONS, 32, 'sm3');
  return [SCHEME, ITERATIONS, salt.toString('base64'), hash.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, iterations, salt, hash] = stored.split('$');
  if (scheme !== SCHEME || !iterations || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await pbkdf2Async(
    password,
    Buffer.from(salt, 'base64'),
    Number(iterations),
    expected.length,
    'sm3',
  );
  return timingSafeEqual(actual, expected);
}

const CLASSES = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/];

/** 等保 password complexity: at least 8 characters from at least 3 of the 4 classes. */
export function checkPasswordPolicy(password: string): void {
  const classes = CLASSES.filter((re) => re.test(password)).length;
  if (password.length < 8 || password.length > 128 || classes < 3) {
    throw badRequest(
      'weak_password',
      'Password must be 8-128 characters and use at least three of: lowercase, uppercase, digits, symbols.',
      { param: 'password' },
    );
  }
}

/** A 20-character password with all four classes, for generated administrator accounts. */
export function generatePassword(): string {
  const sets = ['abcdefghijkmnpqrstuvwxyz', 'ABCDEFGHJKLMNPQRSTUVWXYZ', '23456789', '!@#%^*-_=+'];
  const all = sets.join('');
  const chars = sets.map((set) => set[randomInt(set.length)]!);
  while (chars.length < 20) chars.push(all[randomInt(all.length)]!);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}
