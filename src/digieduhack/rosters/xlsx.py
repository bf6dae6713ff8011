"""A small XLSX writer that streams: the workbook is a zip written entry by entry into a buffer that the
caller drains as it goes, so the first bytes leave while the rows are still being read and memory stays flat.
It writes only what rosters need: sheets of text cells (inline strings), a bold header row kept in view
(frozen pane), column widths.

Why not xlsxwriter: even in its constant-memory mode the file only exists once `close()` has assembled the
zip, so nothing can be sent before the last row is written (100,000 rows: seconds before the first byte),
and writing cell by cell through it costs several times more CPU than writing the XML here.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from typing import IO
from xml.sax.saxutils import escape, quoteattr

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
CELL_MAX = 32767  # characters in a cell, Excel's limit
HEADER_STYLE = 1  # the bold cell format of styles.xml
# characters XML 1.0 cannot hold, and CR (which XML parsers turn into LF): written as _xHHHH_, as Excel does;
# a literal "_xHHHH_" in the text gets its underscore escaped (_x005F_) so that Excel does not decode it
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ufffe\uffff]")
_LOOKS_ESCAPED = re.compile(r"_(x[0-9A-Fa-f]{4}_)")

STYLES = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{MAIN}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/><scheme val="minor"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/><scheme val="minor"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)


def column_letters(n: int) -> str:
    """1 -> A, 26 -> Z, 27 -> AA."""
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def xml_text(value: str) -> str:
    text = value[:CELL_MAX]
    if "_x" in text:
        text = _LOOKS_ESCAPED.sub(r"_x005F_\1", text)
    text = escape(text)
    if _CONTROL.search(text):
        text = _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
    return text


def excel_width(characters: int) -> float:
    """A width in characters as Excel stores it (with its 5 pixels of padding at the default font)."""
    return int((characters * 7 + 5) / 7 * 256) / 256


class _Sink:
    """The zip's output: bytes kept until drained; not seekable, so zipfile writes data descriptors."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes, /) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


class StreamingWorkbook:
    """Sheets written one after the other; `drain()` gives the bytes written since the last call."""

    def __init__(self, compresslevel: int = 1) -> None:
        self._sink = _Sink()
        self._zip = zipfile.ZipFile(
            self._sink,
            "w",
            compression=zipfile.ZIP_DEFLATED,
            compresslevel=compresslevel,
        )
        self._sheet: IO[bytes] | None = None
        self._names: list[str] = []
        self._row = 0
        self._letters: list[str] = []

    def drain(self) -> bytes:
        data = b"".join(self._sink.parts)
        self._sink.parts.clear()
        return data

    def add_sheet(self, name: str, header: Sequence[str], widths: Sequence[int]) -> None:
        """A new sheet (the previous one is finished): its header row in bold, frozen, and column widths."""
        self._end_sheet()
        self._names.append(name)
        self._sheet = self._zip.open(f"xl/worksheets/sheet{len(self._names)}.xml", "w")
        self._letters = [column_letters(n) for n in range(1, len(header) + 1)]
        cols = "".join(
            f'<col min="{n}" max="{n}" width="{excel_width(w)}" customWidth="1"/>'
            for n, w in enumerate(widths, start=1)
        )
        self._write(
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}" '
            f'xmlns:r="{RELS}"><sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
            'activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
            f'</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>'
        )
        self._row = 0
        self.write_row(header, HEADER_STYLE)

    def rename(self, name: str) -> None:
        """Name the sheet being written (names go into the workbook part, written by close())."""
        self._names[-1] = name

    def write_row(self, cells: Sequence[str], style: int = 0) -> None:
        self._row += 1
        r = self._row
        s = f' s="{style}"' if style else ""
        parts = [f'<row r="{r}">']
        for letter, value in zip(self._letters, cells, strict=True):
            if value:
                text = xml_text(value)
                parts.append(
                    f'<c r="{letter}{r}"{s} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
                )
            elif style:
                parts.append(f'<c r="{letter}{r}"{s}/>')
        parts.append("</row>")
        self._write("".join(parts))

    def write_rows(self, rows: Sequence[Sequence[str]]) -> None:
        for cells in rows:
            self.write_row(cells)

    def close(self) -> None:
        """Finish the last sheet and write the workbook's parts and the zip's directory."""
        self._end_sheet()
        n = len(self._names)
        sheets = "".join(
            f'<sheet name={quoteattr(name)} sheetId="{i}" r:id="rId{i}"/>'
            for i, name in enumerate(self._names, start=1)
        )
        head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        self._zip.writestr(
            "xl/workbook.xml",
            f'{head}<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><bookViews><workbookView/></bookViews>'
            f"<sheets>{sheets}</sheets></workbook>",
        )
        rels = "".join(
            f'<Relationship Id="rId{i}" Type="{RELS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, n + 1)
        )
        self._zip.writestr(
            "xl/_rels/workbook.xml.rels",
            f'{head}<Relationships xmlns="{PACKAGE_RELS}">{rels}'
            f'<Relationship Id="rId{n + 1}" Type="{RELS}/styles" Target="styles.xml"/></Relationships>',
        )
        self._zip.writestr("xl/styles.xml", STYLES)
        self._zip.writestr(
            "_rels/.rels",
            f'{head}<Relationships xmlns="{PACKAGE_RELS}"><Relationship Id="rId1" '
            f'Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{ct}.worksheet+xml"/>'
            for i in range(1, n + 1)
        )
        self._zip.writestr(
            "[Content_Types].xml",
            f'{head}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{ct}.styles+xml"/>{overrides}</Types>',
        )
        self._zip.close()

    def _write(self, text: str) -> None:
        assert self._sheet is not None
        self._sheet.write(text.encode())

    def _end_sheet(self) -> None:
        if self._sheet is not None:
            self._write("</sheetData></worksheet>")
            self._sheet.close()
            self._sheet = None
