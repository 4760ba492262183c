// Reading a pasted customer list the way spreadsheets export it: a byte-order mark, quotes, commas
// and line breaks inside names, Windows line ends, `;` separators; the header in any order and case;
// every row with its line in the pasted text (the header is line 1).
import { MAX_BULK_ROWS, readBulkList } from '../../src/dialogs/bulkList';

const HEADER = 'companyName,domain,registration,subscription,access';

function rowsOf(text: string) {
  const list = readBulkList(text);
  if (!list.ok) throw new Error(list.problem);
  return list.rows;
}

function problemOf(text: string): string {
  const list = readBulkList(text);
  if (list.ok) throw new Error('the list was read');
  return list.problem;
}

describe('reading a bulk list', () => {
  it('reads a plain list with the header as line 1', () => {
    const rows = rowsOf(`${HEADER}\nFabrikam,fabrikam.onmicrosoft.com,reg-east,azure-plan,none\nContoso,contoso.com,reg-east,azure-plan,admin@contoso.com`);
    expect(rows).toEqual([
      { line: 2, cells: { companyName: 'Fabrikam', domain: 'fabrikam.onmicrosoft.com', registration: 'reg-east', subscription: 'azure-plan', access: 'none' } },
      { line: 3, cells: { companyName: 'Contoso', domain: 'contoso.com', registration: 'reg-east', subscription: 'azure-plan', access: 'admin@contoso.com' } },
    ]);
  });

  it('takes the header names in any order and any case, and ignores columns it does not know', () => {
    const [row] = rowsOf('ACCESS,Subscription,offer,DOMAIN,companyname,Registration\nnone,azure-plan,O1,fabrikam,Fabrikam,reg-east');
    expect(row.cells).toEqual({ access: 'none', subscription: 'azure-plan', domain: 'fabrikam', companyName: 'Fabrikam', registration: 'reg-east' });
  });

  it('drops a byte-order mark (Excel "CSV UTF-8") and reads Windows line ends', () => {
    const rows = rowsOf(`\uFEFF${HEADER}\r\nFabrikam,fabrikam,reg-east,azure-plan,none\r\n`);
    expect(rows).toEqual([{ line: 2, cells: expect.objectContaining({ companyName: 'Fabrikam' }) }]);
  });

  it('keeps commas and doubled quotes inside quoted names', () => {
    const [row] = rowsOf(`${HEADER}\n"Contoso, Inc.",contoso.com,reg-east,azure-plan,none\n`);
    expect(row.cells.companyName).toBe('Contoso, Inc.');
    const [quoted] = rowsOf(`${HEADER}\n"The ""Best"" Bikes",bikes.com,reg-east,azure-plan,none`);
    expect(quoted.cells.companyName).toBe('The "Best" Bikes');
  });

  it('reads semicolon-separated lists from European spreadsheets, with commas in names', () => {
    const rows = rowsOf('companyName;domain;registration;subscription;access\nMüller, Schmidt & Co. KG;mueller;reg-east;azure-plan;none\n"Dupont; Fils";dupont.fr;reg-east;azure-plan;none');
    expect(rows.map((r) => [r.line, r.cells.companyName, r.cells.domain])).toEqual([
      [2, 'Müller, Schmidt & Co. KG', 'mueller'],
      [3, 'Dupont; Fils', 'dupont.fr'],
    ]);
  });

  it('counts lines as the paste has them: empty lines are skipped, a quoted line break belongs to its row', () => {
    const rows = rowsOf(`${HEADER}\n\nFabrikam,fabrikam,reg-east,azure-plan,none\n"Two\nLines Ltd",twolines,reg-east,azure-plan,none\nLast,last,reg-east,azure-plan,none`);
    expect(rows.map((r) => r.line)).toEqual([3, 4, 6]);
    expect(rows[1].cells.companyName).toBe('Two\nLines Ltd');
  });

  it('trims cells and keeps a short row short (its missing cells are empty)', () => {
    const [row] = rowsOf(`${HEADER}\n  Fabrikam  , fabrikam ,reg-east`);
    expect(row.cells).toEqual({ companyName: 'Fabrikam', domain: 'fabrikam', registration: 'reg-east', subscription: '', access: '' });
  });

  it('refuses a list without the columns every list needs, naming them', () => {
    expect(problemOf('companyName,domain\nFabrikam,fabrikam')).toMatch(/header row \(line 1\) has no registration, subscription, access columns/);
  });

  it('refuses a header that names a column twice', () => {
    expect(problemOf(`${HEADER},Domain\nx,y,z,azure-plan,none,w`)).toMatch(/names domain twice/);
  });

  it('refuses an empty paste and a header without rows', () => {
    expect(problemOf('  \n ')).toMatch(/empty/);
    expect(problemOf(HEADER)).toMatch(/no customers/);
  });

  it(`refuses more than ${MAX_BULK_ROWS} rows, saying the limit`, () => {
    const rows = Array.from({ length: MAX_BULK_ROWS + 1 }, (_, i) => `C${i},c${i},reg-east,azure-plan,none`);
    expect(problemOf([HEADER, ...rows].join('\n'))).toBe(`The list has ${MAX_BULK_ROWS + 1} rows; at most ${MAX_BULK_ROWS} can be onboarded at once. Split it into lists of ${MAX_BULK_ROWS} or fewer.`);
    expect(rowsOf([HEADER, ...rows.slice(0, MAX_BULK_ROWS)].join('\n'))).toHaveLength(MAX_BULK_ROWS);
  });

  it('says where a quote is never closed', () => {
    expect(problemOf(`${HEADER}\n"Fabrikam,fabrikam,reg-east,azure-plan,none`)).toMatch(/could not read the list \(line \d\): a quote is opened and never closed/);
  });
});
