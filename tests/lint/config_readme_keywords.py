#!/usr/bin/env python3
"""controlplane/config/README.md names every keyword the parser takes and
every keyword it refuses as "not supported by dsrlb": the keyword tables
(Keyword{"name", handler} entries of controlplane/config/*.cc) and the
refused lists (the last argument of each DispatchBlock call) are read from
the code and each must appear in the README as `name` (a backquoted word
starting with it). Usage: config_readme_keywords.py SOURCE_ROOT."""
import os
import re
import sys

# Files whose quoted words are values, not keywords (enum choices, option
# words inside one line, described in the README's tables in their own form).
SKIP_FILES = {'values.cc', 'ip_objects.cc'}


def code_keywords(src):
    taken, refused = set(), set()
    for name in sorted(os.listdir(src)):
        if not name.endswith('.cc') or name in SKIP_FILES:
            continue
        with open(os.path.join(src, name)) as f:
            text = f.read()
        for m in re.finditer(r'DispatchBlock\(\s*[^;]*?,\s*kw,\s*\{([^}]*)\}', text, re.S):
            refused.update(re.findall(r'"([^"]+)"', m.group(1)))
        for m in re.finditer(r'\{"([A-Za-z_][\w-]*)",\s*([^"\s][^,}]*)', text):
            handler = m.group(2).strip()
            if re.match(r'[A-Z]\w*::', handler) or re.match(r'-?\d', handler):
                continue  # an enum or number choice: {"TCP", Protocol::kTcp}
            taken.add(m.group(1))
    return taken, refused - taken


def main():
    root = sys.argv[1]
    src = os.path.join(root, 'controlplane', 'config')
    with open(os.path.join(src, 'README.md')) as f:
        readme = f.read()
    named = set(re.findall(r'`([A-Za-z_][\w-]*)', readme))
    taken, refused = code_keywords(src)
    missing_taken = sorted(taken - named)
    missing_refused = sorted(refused - named)
    if missing_taken:
        print('taken by the parser, not in controlplane/config/README.md:', missing_taken)
    if missing_refused:
        print('refused by the parser, not in controlplane/config/README.md:', missing_refused)
    print('%d keywords taken, %d refused, all named in the README' % (len(taken), len(refused))
          if not (missing_taken or missing_refused) else '')
    sys.exit(1 if missing_taken or missing_refused else 0)


if __name__ == '__main__':
    main()
