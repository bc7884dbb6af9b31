// SPDX-License-Identifier: Apache-2.0
// Starts a real s3rver (npm package s3rver 3.x) for the S3 probe's tests, with what its CLI
// lacks:
// - an extra access key pair (the planted-secret test needs a secret of its own; s3rver's CLI
//   knows only S3RVER/S3RVER), read from a file so that it never shows in `ps`;
// - verification of AWS Signature V4: s3rver 3.7 checks only that the key id exists ("Signature
//   version 4 calculation is unimplemented" in its authentication middleware). The check below
//   is an independent implementation (Node's crypto, written from the AWS documentation), run
//   before s3rver's own middleware; a wrong signature gets S3's 403 SignatureDoesNotMatch.
//
// node s3rver-launch.js --modules DIR --port N --dir DATA [--key K --cert C]
//      [--bucket NAME]... [--service-endpoint HOST] [--access-key-id ID --secret-file F]
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const args = { bucket: [] };
for (let i = 2; i < process.argv.length; i += 2) {
  const name = process.argv[i].replace(/^--/, '');
  const value = process.argv[i + 1];
  if (name === 'bucket') args.bucket.push(value);
  else args[name] = value;
}
const modules = path.join(args.modules, 'node_modules');
const S3rver = require(path.join(modules, 's3rver'));
const AWSAccount = require(path.join(modules, 's3rver', 'lib', 'models', 'account'));

if (args['access-key-id']) {
  // s3rver keeps the pair; only the key id matters to it (see above).
  const secret = fs.readFileSync(args['secret-file'], 'utf8').trim();
  AWSAccount.DUMMY_ACCOUNT.createKeyPair(args['access-key-id'], secret);
}
const secrets = { S3RVER: 'S3RVER' };
if (args['access-key-id']) {
  secrets[args['access-key-id']] = fs.readFileSync(args['secret-file'], 'utf8').trim();
}

const sha256 = data => crypto.createHash('sha256').update(data).digest('hex');
const hmac = (key, data) => crypto.createHmac('sha256', key).update(data).digest();
const rfc3986 = s =>
  encodeURIComponent(s).replace(/[!'()*]/g, c => '%' + c.charCodeAt(0).toString(16).toUpperCase());

// Returns null when the request is anonymous, signed correctly, or signed with an unknown key
// (s3rver then answers InvalidAccessKeyId itself); else why the signature is wrong.
function checkV4(req) {
  const auth = req.headers.authorization || '';
  if (!auth.startsWith('AWS4-HMAC-SHA256 ')) return null;
  const m = /Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([^,]+),\s*Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return 'malformed Authorization header';
  const [, id, date, region, service, signed, signature] = m;
  if (!(id in secrets)) return null;
  const [path, query = ''] = req.url.split('?');
  const pairs = query === '' ? [] : query.split('&').map(p => {
    const [k, v = ''] = p.split('=');
    return [rfc3986(decodeURIComponent(k)), rfc3986(decodeURIComponent(v))];
  });
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : 1));
  const headers = signed.split(';').map(
    h => h + ':' + String(req.headers[h] === undefined ? '' : req.headers[h]).trim().replace(/\s+/g, ' '));
  const canonical = [req.method, path, pairs.map(p => p.join('=')).join('&'),
    headers.join('\n') + '\n', signed, req.headers['x-amz-content-sha256'] || ''].join('\n');
  const toSign = ['AWS4-HMAC-SHA256', req.headers['x-amz-date'],
    `${date}/${region}/${service}/aws4_request`, sha256(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac('AWS4' + secrets[id], date), region), service), 'aws4_request');
  return hmac(key, toSign).toString('hex') === signature ? null : 'signature mismatch';
}

const options = {
  address: '127.0.0.1',
  port: Number(args.port),
  directory: args.dir,
  silent: true,
  configureBuckets: args.bucket.map(name => ({ name, configs: [] })),
};
if (args.key) {
  options.key = fs.readFileSync(args.key);
  options.cert = fs.readFileSync(args.cert);
}
if (args['service-endpoint']) options.serviceEndpoint = args['service-endpoint'];
const server = new S3rver(options);
server.middleware.unshift(async (ctx, next) => {
  const why = checkV4(ctx.req);
  if (why === null) return next();
  ctx.status = 403;
  ctx.type = 'application/xml';
  ctx.body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SignatureDoesNotMatch</Code>' +
    '<Message>The request signature we calculated does not match the signature you provided ' +
    '(' + why + ').</Message></Error>';
});
server.run().catch(err => {
  console.error('s3rver-launch: ' + err.message);
  process.exit(1);
});
