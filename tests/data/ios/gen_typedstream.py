#!/usr/bin/env python3
"""Write typedstream NSAttributedString archives the way Messages does.

The test fixtures' attributedBody blobs (fixtures/src/sql/ios/sms*.sql
X'...' literals, fuzz/corpus/typedstream/) come from here.  The layout
follows the archives public tools show from real devices: root
NSMutableAttributedString > NSAttributedString > NSObject (iOS 16+) or
NSAttributedString > NSObject (older), the text as an NSMutableString or
NSString "+" group, then one attribute run ("iI": attribute-table index,
run length in UTF-16 units) with an NSDictionary holding
__kIMMessagePartAttributeName = NSNumber 0.  The writer keeps the shared
string and object tables as Apple's does, so back references are real.

usage: gen_typedstream.py TEXT [--root mutable|plain] [--string mutable|plain]
prints the hex.
"""
import struct
import sys


class Writer:
    def __init__(self):
        self.out = bytearray(b"\x04\x0bstreamtyped\x81\xe8\x03")
        self.strings = []
        self.objects = 0
        self.classes = {}

    def int_(self, v, signed=True):
        if -128 <= v <= 127 and not (-128 <= v <= -111) and signed:
            self.out += struct.pack("<b", v)
        elif 0 <= v <= 127:
            self.out += bytes([v])
        elif -32768 <= v <= 32767:
            self.out += b"\x81" + struct.pack("<h", v)
        else:
            self.out += b"\x82" + struct.pack("<i", v)

    def ref(self, index):
        self.int_(index - 110)

    def shared(self, s):
        if s in self.strings:
            self.ref(self.strings.index(s))
            return
        self.out += b"\x84"
        self.int_(len(s))
        self.out += s
        self.strings.append(s)

    def cls(self, chain):
        """chain: [(name, version), ...] from the class up."""
        for name, ver in chain:
            if name in self.classes:
                self.ref(self.classes[name])
                return
            self.out += b"\x84"
            self.shared(name)
            self.int_(ver)
            self.classes[name] = self.objects
            self.objects += 1
        self.out += b"\x85"

    def begin(self, chain):
        self.out += b"\x84"
        self.objects += 1
        self.cls(chain)

    def end(self):
        self.out += b"\x86"


def attributed(text, root="mutable", string="mutable"):
    b = text.encode("utf-8")
    u16 = len(text.encode("utf-16-le")) // 2
    w = Writer()
    w.shared(b"@")
    rchain = [(b"NSAttributedString", 0), (b"NSObject", 0)]
    if root == "mutable":
        rchain.insert(0, (b"NSMutableAttributedString", 0))
    w.begin(rchain)
    w.shared(b"@")
    schain = [(b"NSString", 1), (b"NSObject", 0)]
    if string == "mutable":
        schain.insert(0, (b"NSMutableString", 1))
    w.begin(schain)
    w.shared(b"+")
    w.int_(len(b))
    w.out += b
    w.end()
    w.shared(b"iI")
    w.int_(1)
    w.int_(u16)
    w.shared(b"@")
    w.begin([(b"NSDictionary", 0), (b"NSObject", 0)])
    w.shared(b"i")
    w.int_(1)
    w.shared(b"@")
    w.begin([(b"NSString", 1)])
    w.shared(b"+")
    key = b"__kIMMessagePartAttributeName"
    w.int_(len(key))
    w.out += key
    w.end()
    w.shared(b"@")
    w.begin([(b"NSNumber", 0), (b"NSValue", 0), (b"NSObject", 0)])
    w.shared(b"*")
    w.out += b"\x84"
    w.shared(b"i")
    w.objects += 1
    w.shared(b"i")
    w.int_(0)
    w.end()
    w.end()
    w.end()
    return bytes(w.out)


if __name__ == "__main__":
    args = sys.argv[1:]
    root = string = "mutable"
    if "--root" in args:
        i = args.index("--root")
        root = args[i + 1]
        del args[i:i + 2]
    if "--string" in args:
        i = args.index("--string")
        string = args[i + 1]
        del args[i:i + 2]
    print(attributed(args[0], root, string).hex().upper())
