// Checks a .torrent torrentseed embedded (parsed by parse-torrent, what
// WebTorrent uses): v1 only, one file, 256 KiB pieces, the CDN URL as its
// url-list, the http tracker announced and no ws(s) tracker.
//   node check_torrent.mjs FILE INFOHASH LENGTH URL TRACKER
import parseTorrent from 'parse-torrent'
import fs from 'node:fs'

const [file, infohash, length, url, tracker] = process.argv.slice(2)
const t = await parseTorrent(fs.readFileSync(file))
const want = (ok, what) => {
  if (ok) return
  console.error(`torrent: ${what} wrong: ` + JSON.stringify({ infoHash: t.infoHash, urlList: t.urlList, announce: t.announce, pieceLength: t.pieceLength, files: t.files.length, length: t.length }))
  process.exit(1)
}
want(t.infoHash === infohash, 'infohash')
want(t.pieceLength === 262144, 'piece length')
want(t.files.length === 1 && t.length === Number(length), 'single file')
want(t.urlList.length === 1 && t.urlList[0] === url, 'url-list')
want(t.announce.includes(tracker), 'http tracker')
want(!t.announce.some((a) => a.startsWith('ws')), 'no ws tracker')
want(!t.info['meta version'] && !t.info['file tree'], 'v1 only')
