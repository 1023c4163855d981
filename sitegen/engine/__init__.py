"""The speed engine beneath the build: what a build can skip, and how it shares the work.

The build (build.py) tells the policy's story; this package makes it fast without changing
what it decides:

- keys.py: the hash of everything a result is made of (sitegen's own code included);
- store.py: results kept by key, as files (`ResultFiles`: photos, words read, faces) or as
  records in one file (`RecordFile`: analyses, a post's outputs, the ledger's standing);
- hashes.py: file hashes remembered by stat, post folders walked without following links;
- forking.py: work shared with forked copies of the build (`fork_map`, `Background`,
  `Forked`);
- plan.py: every file a build will write, by path, gathered before any is written;
- manifests.py, treecheck.py: what each output tree holds, checked by stat (by a helper
  process while the build reads everything else);
- standby.py, swap.py: each output tree's standby copy brought up to date, then swapped in
  live whole, under the build folder's lock.
"""
