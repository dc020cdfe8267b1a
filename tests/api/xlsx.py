# Writes the workbooks tests/api/import.test.mjs imports: a real one through
# Debian's python3-openpyxl (shared strings, numbers, date cells as Excel
# stores them), and hostile ones whose parts are written by hand.
#
#   xlsx.py PATH < {"rows": [[cell, ...], ...], "date1904": false}
#       a cell is a string, a number, null, or {"date": "YYYY-MM-DD"}
#   xlsx.py PATH --hostile KIND   formula | bomb | doctype | long-cell | not-zip
import json
import sys
import zipfile
from datetime import date

path = sys.argv[1]

WORKBOOK = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="Caseload" sheetId="1" r:id="rId1"/></sheets></workbook>')
RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/></Relationships>')
HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
TAIL = '</sheetData></worksheet>'
FIRST_ROW = ('<row r="1"><c r="A1" t="inlineStr"><is><t>ref</t></is></c>'
             '<c r="B1" t="inlineStr"><is><t>entered_service_on</t></is></c></row>')


def by_hand(sheet, prolog=''):
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
        z.writestr('xl/workbook.xml', WORKBOOK)
        z.writestr('xl/_rels/workbook.xml.rels', RELS)
        z.writestr('xl/worksheets/sheet1.xml', prolog + sheet)


if len(sys.argv) > 2 and sys.argv[2] == '--hostile':
    kind = sys.argv[3]
    if kind == 'formula':
        by_hand(HEAD + FIRST_ROW + '<row r="2"><c r="A2" t="inlineStr"><is><t>X-1</t></is></c>'
                '<c r="B2"><f>TODAY()</f><v>46000</v></c></row>' + TAIL)
    elif kind == 'bomb':
        # 200 MB of blank space between two rows, a few hundred KB packed.
        with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
            z.writestr('xl/workbook.xml', WORKBOOK)
            z.writestr('xl/_rels/workbook.xml.rels', RELS)
            with z.open('xl/worksheets/sheet1.xml', 'w', force_zip64=True) as f:
                f.write((HEAD + FIRST_ROW).encode())
                block = b' ' * (1 << 20)
                for _ in range(200):
                    f.write(block)
                f.write(TAIL.encode())
    elif kind == 'doctype':
        by_hand(HEAD + FIRST_ROW + TAIL,
                '<!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>')
    elif kind == 'long-cell':
        by_hand(HEAD + FIRST_ROW + '<row r="2"><c r="A2" t="inlineStr"><is><t>'
                + 'x' * 1000000 + '</t></is></c></row>' + TAIL)
    elif kind == 'not-zip':
        with open(path, 'wb') as f:
            f.write(b'PK\x03\x04' + b'\x00' * 200)
    sys.exit(0)

from openpyxl import Workbook  # noqa: E402  (only the real workbook needs it)
from openpyxl.utils.datetime import CALENDAR_MAC_1904  # noqa: E402

spec = json.load(sys.stdin)
wb = Workbook()
if spec.get('date1904'):
    wb.epoch = CALENDAR_MAC_1904
ws = wb.active
ws.title = 'Caseload'
for r, row in enumerate(spec['rows'], start=1):
    for c, cell in enumerate(row, start=1):
        if cell is None or cell == '':
            continue
        if isinstance(cell, dict):
            ws.cell(row=r, column=c, value=date.fromisoformat(cell['date'])).number_format = 'dd/mm/yyyy'
        else:
            ws.cell(row=r, column=c, value=cell)
wb.save(path)
