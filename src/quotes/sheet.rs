//! How a quote is laid out for the customer: a heading with the quote's number and parties,
//! a table of its lines, the totals and the terms, with labels in Chinese and English. Pure:
//! the same sheet always lays out (and so renders) the same.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::documents::layout::{Align, CONTENT_WIDTH, Layout, MARGIN, PAGE_WIDTH};
use crate::documents::text;

/// One line of the quote as printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetLine {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub quantity_thousandths: i64,
    pub unit_price_minor: i64,
    pub discount_basis_points: i32,
    pub amount_minor: i64,
}

/// Everything a quote's document prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    pub issuer: String,
    pub number: String,
    pub version: i32,
    pub status: String,
    pub customer: String,
    pub seller: String,
    pub seller_email: String,
    pub dated: NaiveDate,
    pub valid_until: NaiveDate,
    pub currency: String,
    pub lines: Vec<SheetLine>,
    pub subtotal_minor: i64,
    pub discount_total_minor: i64,
    pub tax_rate_basis_points: i32,
    pub tax_minor: i64,
    pub total_minor: i64,
    pub terms: String,
}

const TITLE: f32 = 20.0;
const BODY: f32 = 9.5;
const SMALL: f32 = 8.5;
const ROW: f32 = 12.0;

/// Money as `1,234,567.89` (minor units, two decimals, thousands grouped).
pub fn money(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let units = (abs / 100).to_string();
    let mut grouped = String::with_capacity(units.len() + units.len() / 3);
    for (i, digit) in units.chars().enumerate() {
        if i > 0 && (units.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{sign}{grouped}.{:02}", abs % 100)
}

/// A quantity in thousandths as its shortest decimal (`1.5`, `12`).
fn quantity(thousandths: i64) -> String {
    Decimal::new(thousandths, 3).normalize().to_string()
}

/// Basis points as a percentage (`12.5%`).
fn percent(basis_points: i32) -> String {
    format!("{}%", Decimal::new(i64::from(basis_points), 2).normalize())
}

/// A warning printed under the heading when the quote is not (or no longer) an offer.
fn status_notice(status: &str) -> Option<&'static str> {
    match status {
        "DRAFT" | "PENDING_APPROVAL" => {
            Some("草稿，未经批准，不构成要约 · Draft: not an offer until approved")
        }
        "REJECTED" => Some("客户已拒绝 · Declined by the customer"),
        "EXPIRED" => Some("已过期 · Expired"),
        _ => None,
    }
}

/// Table columns: where each starts (or ends, when right-aligned) and how wide it is.
struct Column {
    x: f32,
    width: f32,
    align: Align,
    label: &'static str,
}

const COLUMNS: [Column; 7] = [
    Column {
        x: MARGIN,
        width: 20.0,
        align: Align::Left,
        label: "#",
    },
    Column {
        x: MARGIN + 20.0,
        width: 168.0,
        align: Align::Left,
        label: "产品 Product",
    },
    Column {
        x: MARGIN + 248.0,
        width: 56.0,
        align: Align::Right,
        label: "数量 Qty",
    },
    Column {
        x: MARGIN + 254.0,
        width: 38.0,
        align: Align::Left,
        label: "单位 Unit",
    },
    Column {
        x: MARGIN + 368.0,
        width: 74.0,
        align: Align::Right,
        label: "单价 Price",
    },
    Column {
        x: MARGIN + 412.0,
        width: 42.0,
        align: Align::Right,
        label: "折扣 Disc.",
    },
    Column {
        x: PAGE_WIDTH - MARGIN,
        width: 84.0,
        align: Align::Right,
        label: "金额 Amount",
    },
];

fn cell(layout: &mut Layout, column: &Column, size: f32, content: &str) {
    layout.text(column.x, size, column.align, column.width, content);
}

fn table_heading(layout: &mut Layout) {
    layout.keep(ROW * 3.0);
    for column in &COLUMNS {
        layout.text_in_gray(
            column.x,
            SMALL,
            column.align,
            column.width,
            column.label,
            90,
        );
    }
    layout.skip(ROW);
    layout.rule(0.6);
    layout.skip(4.0);
}

/// A label and its value on one line of the heading block.
fn field(layout: &mut Layout, label: &str, value: &str) {
    layout.keep(ROW + 2.0);
    layout.text_in_gray(MARGIN, BODY, Align::Left, 110.0, label, 90);
    layout.text(
        MARGIN + 112.0,
        BODY,
        Align::Left,
        CONTENT_WIDTH - 112.0,
        value,
    );
    layout.skip(ROW + 2.0);
}

fn total(layout: &mut Layout, label: &str, value: &str, size: f32) {
    layout.keep(size + 6.0);
    layout.text_in_gray(
        PAGE_WIDTH - MARGIN - 240.0,
        size,
        Align::Left,
        150.0,
        label,
        60,
    );
    layout.text(PAGE_WIDTH - MARGIN, size, Align::Right, 150.0, value);
    layout.skip(size + 6.0);
}

/// The quote laid out: heading, lines (a product name takes up to two lines), totals, terms.
pub fn lay_out(sheet: &Sheet) -> Layout {
    let mut layout = Layout::new();
    if !sheet.issuer.trim().is_empty() {
        layout.text(MARGIN, 12.0, Align::Left, CONTENT_WIDTH, &sheet.issuer);
        layout.skip(18.0);
    }
    layout.text(MARGIN, TITLE, Align::Left, 260.0, "报价单 Quotation");
    layout.text(
        PAGE_WIDTH - MARGIN,
        12.0,
        Align::Right,
        220.0,
        &sheet.number,
    );
    layout.skip(TITLE + 8.0);
    if let Some(notice) = status_notice(&sheet.status) {
        layout.text_in_gray(MARGIN, BODY, Align::Left, CONTENT_WIDTH, notice, 40);
        layout.skip(ROW + 4.0);
    }
    layout.rule(1.0);
    layout.skip(8.0);
    field(&mut layout, "客户 Customer", &sheet.customer);
    field(&mut layout, "日期 Date", &sheet.dated.to_string());
    field(
        &mut layout,
        "有效期至 Valid until",
        &sheet.valid_until.to_string(),
    );
    let seller = match (sheet.seller.trim(), sheet.seller_email.trim()) {
        (name, "") => name.to_owned(),
        ("", email) => email.to_owned(),
        (name, email) => format!("{name} · {email}"),
    };
    field(&mut layout, "销售代表 Sales contact", &seller);
    field(&mut layout, "币种 Currency", &sheet.currency);
    layout.skip(10.0);
    table_heading(&mut layout);
    for (i, line) in sheet.lines.iter().enumerate() {
        let product = [line.code.trim(), line.name.trim()]
            .into_iter()
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let wrapped = text::wrap(&product, SMALL, COLUMNS[1].width);
        let rows = wrapped.len().clamp(1, 2);
        let before = layout.page_count();
        layout.keep(ROW * rows as f32 + 2.0);
        if layout.page_count() != before {
            table_heading(&mut layout);
        }
        cell(&mut layout, &COLUMNS[0], SMALL, &(i + 1).to_string());
        cell(
            &mut layout,
            &COLUMNS[2],
            SMALL,
            &quantity(line.quantity_thousandths),
        );
        cell(&mut layout, &COLUMNS[3], SMALL, &line.unit);
        cell(
            &mut layout,
            &COLUMNS[4],
            SMALL,
            &money(line.unit_price_minor),
        );
        if line.discount_basis_points > 0 {
            cell(
                &mut layout,
                &COLUMNS[5],
                SMALL,
                &percent(line.discount_basis_points),
            );
        }
        cell(&mut layout, &COLUMNS[6], SMALL, &money(line.amount_minor));
        let second = match wrapped.len() {
            0 | 1 => None,
            2 => Some(wrapped[1].clone()),
            _ => Some(wrapped[1..].join(" ")),
        };
        cell(
            &mut layout,
            &COLUMNS[1],
            SMALL,
            wrapped.first().map_or("", String::as_str),
        );
        if let Some(rest) = second {
            layout.skip(ROW);
            cell(&mut layout, &COLUMNS[1], SMALL, &rest);
        }
        layout.skip(ROW + 2.0);
    }
    layout.rule(0.6);
    layout.skip(8.0);
    total(
        &mut layout,
        "小计 Subtotal",
        &money(sheet.subtotal_minor),
        BODY,
    );
    if sheet.discount_total_minor != 0 {
        total(
            &mut layout,
            "折扣 Discount",
            &money(-sheet.discount_total_minor),
            BODY,
        );
    }
    let tax_label = format!("税 Tax ({})", percent(sheet.tax_rate_basis_points));
    total(&mut layout, &tax_label, &money(sheet.tax_minor), BODY);
    let total_label = format!("合计 Total ({})", sheet.currency);
    total(&mut layout, &total_label, &money(sheet.total_minor), 12.0);
    if !sheet.terms.trim().is_empty() {
        layout.skip(12.0);
        layout.keep(ROW * 2.0);
        layout.text_in_gray(MARGIN, BODY, Align::Left, CONTENT_WIDTH, "条款 Terms", 60);
        layout.skip(ROW + 2.0);
        layout.paragraph(MARGIN, BODY, ROW + 1.0, CONTENT_WIDTH, &sheet.terms);
    }
    layout
}

/// The footer of every page.
pub fn footer(sheet: &Sheet) -> String {
    [
        sheet.issuer.trim(),
        &sheet.number,
        &format!("v{}", sheet.version),
    ]
    .into_iter()
    .filter(|part| !part.is_empty())
    .collect::<Vec<_>>()
    .join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet(lines: usize) -> Sheet {
        Sheet {
            issuer: "华东精密仪器销售有限公司".into(),
            number: "Q-2026-000001".into(),
            version: 2,
            status: "APPROVED".into(),
            customer: "上海浦江制造股份有限公司".into(),
            seller: "王小明".into(),
            seller_email: "wang@example.com".into(),
            dated: NaiveDate::from_ymd_opt(2026, 12, 5).unwrap(),
            valid_until: NaiveDate::from_ymd_opt(2027, 1, 4).unwrap(),
            currency: "CNY".into(),
            lines: (0..lines)
                .map(|i| SheetLine {
                    code: format!("P-{i:03}"),
                    name: "高精度电磁流量计（含安装调试与两年维保服务）".into(),
                    unit: "台".into(),
                    quantity_thousandths: 1_500,
                    unit_price_minor: 1_234_500,
                    discount_basis_points: 1_250,
                    amount_minor: 1_620_281,
                })
                .collect(),
            subtotal_minor: 1_851_750,
            discount_total_minor: 231_469,
            tax_rate_basis_points: 1_300,
            tax_minor: 210_637,
            total_minor: 1_830_918,
            terms: "付款方式：合同签订后预付30%，到货验收后付清余款。\nDelivery within 30 days."
                .into(),
        }
    }

    #[test]
    fn money_is_grouped_with_two_decimals() {
        assert_eq!(money(0), "0.00");
        assert_eq!(money(5), "0.05");
        assert_eq!(money(123_456_789), "1,234,567.89");
        assert_eq!(money(-100_000), "-1,000.00");
        assert_eq!(money(99_999_999_999_999), "999,999,999,999.99");
    }

    #[test]
    fn quantities_and_percents_print_shortest() {
        assert_eq!(quantity(1_500), "1.5");
        assert_eq!(quantity(12_000), "12");
        assert_eq!(quantity(1), "0.001");
        assert_eq!(percent(1_250), "12.5%");
        assert_eq!(percent(0), "0%");
    }

    #[test]
    fn the_same_sheet_renders_the_same_bytes_and_a_change_shows() {
        let render = |s: &Sheet| lay_out(s).finish(&s.number, "id", &footer(s)).unwrap();
        let first = render(&sheet(3));
        assert_eq!(first, render(&sheet(3)));
        let mut renamed = sheet(3);
        renamed.customer = "北京燕山工业集团".into();
        assert_ne!(first, render(&renamed));
    }

    #[test]
    fn many_lines_take_several_pages() {
        assert_eq!(lay_out(&sheet(3)).page_count(), 1);
        assert!(lay_out(&sheet(200)).page_count() >= 5);
    }

    #[test]
    fn drafts_carry_a_notice_and_approved_quotes_do_not() {
        assert!(status_notice("DRAFT").is_some());
        assert!(status_notice("PENDING_APPROVAL").is_some());
        assert!(status_notice("APPROVED").is_none());
        assert!(status_notice("ACCEPTED").is_none());
    }
}
