//! The product catalogue (product lines with Chinese names, products with list and cost
//! prices) and the line items of seeded deals, whose amounts add up exactly to each deal's.

use chrono::{DateTime, Utc};
use rand::Rng;
use rand::rngs::StdRng;
use uuid::Uuid;

use super::SeedError;
use super::common::{Run, id_at, pick};
use super::writer::Writer;
use crate::products::pricing::{line_amount, line_cost};
use entity::{opportunity_line_item, product, product_line};

const LINE_NAMES: [&str; 20] = [
    "工业泵",
    "阀门",
    "密封件",
    "电机",
    "减速机",
    "传感器",
    "控制柜",
    "仪表",
    "管道",
    "过滤器",
    "压缩机",
    "风机",
    "换热器",
    "轴承",
    "变频器",
    "机器人",
    "输送线",
    "软件许可",
    "维保服务",
    "培训课程",
];

/// A product as the deals' lines need it.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub id: Uuid,
    pub list_price_minor: i64,
    pub cost_minor: i64,
}

/// The seeded catalogue.
#[derive(Debug, Clone)]
pub(crate) struct Catalogue {
    pub items: Vec<Item>,
}

/// Writes the product lines and products (each line with a 10–20% discount allowance, each
/// product priced 50 to 50,000 with a cost of 55–80% of it).
pub(crate) async fn seed(run: &Run, writer: &mut Writer<'_>) -> Result<Catalogue, SeedError> {
    let mut rng = run.rng(11);
    let at = run.days_ago(365);
    let mut lines = Vec::with_capacity(run.volumes.product_lines);
    for n in 0..run.volumes.product_lines {
        let base = LINE_NAMES[n % LINE_NAMES.len()];
        let name = if n < LINE_NAMES.len() {
            base.to_owned()
        } else {
            format!("{base} {}", n / LINE_NAMES.len() + 1)
        };
        lines.push(product_line::Model {
            id: id_at(&mut rng, at),
            name_key: crate::products::lines::line_name_key(&name),
            name,
            max_discount_basis_points: *pick(&mut rng, &[1_000, 1_500, 2_000]),
            active: true,
            version: 1,
            created_at: at,
            updated_at: at,
        });
    }
    let mut products = Vec::with_capacity(run.volumes.products);
    let mut items = Vec::with_capacity(run.volumes.products);
    for n in 0..run.volumes.products {
        let line = &lines[n % lines.len()];
        let list = rng.random_range(50_i64..=50_000) * 100;
        let cost = list * rng.random_range(55_i64..=80) / 100;
        let code = format!("P-{:05}", n + 1);
        let id = id_at(&mut rng, at);
        items.push(Item {
            id,
            list_price_minor: list,
            cost_minor: cost,
        });
        products.push(product::ActiveModel::from(product::Model {
            id,
            code_key: crate::products::service::code_key(&code),
            code,
            name: format!("{} 型号 {}", line.name, n + 1),
            description: None,
            product_line_id: Some(line.id),
            unit: "pcs".to_owned(),
            list_price_minor: list,
            cost_price_minor: Some(cost),
            active: true,
            version: 1,
            created_at: at,
            updated_at: at,
        }));
    }
    let lines: Vec<product_line::ActiveModel> = lines.into_iter().map(Into::into).collect();
    writer.write("product_lines", lines).await?;
    writer.write("products", products).await?;
    writer.commit().await?;
    Ok(Catalogue { items })
}

impl Catalogue {
    /// One to four lines for the deal `deal` of `amount_minor`, adding up to it exactly: the
    /// first ones at list price (a few units, 0–15% off), the last one priced at what remains.
    pub(crate) fn lines_for(
        &self,
        rng: &mut StdRng,
        deal: Uuid,
        amount_minor: i64,
        at: DateTime<Utc>,
    ) -> Vec<opportunity_line_item::ActiveModel> {
        let wanted = rng.random_range(1..=4_usize);
        let mut lines: Vec<(usize, i64, i64, i32, i64)> = Vec::with_capacity(wanted);
        let mut sum = 0_i64;
        for _ in 1..wanted {
            let item = rng.random_range(0..self.items.len());
            let quantity = rng.random_range(1_i64..=5) * 1_000;
            let discount = *pick(rng, &[0, 0, 500, 1_000, 1_500]);
            let price = self.items[item].list_price_minor;
            let Some(line) = line_amount(quantity, price, discount) else {
                break;
            };
            if sum + line.minor() >= amount_minor {
                break;
            }
            sum += line.minor();
            lines.push((item, quantity, price, discount, line.minor()));
        }
        let last = rng.random_range(0..self.items.len());
        let rest = amount_minor - sum;
        lines.push((last, 1_000, rest, 0, rest));
        lines
            .into_iter()
            .zip(0..)
            .map(|((item, quantity, price, discount, amount), position)| {
                let product = &self.items[item];
                opportunity_line_item::ActiveModel::from(opportunity_line_item::Model {
                    id: id_at(rng, at),
                    opportunity_id: deal,
                    position,
                    product_id: product.id,
                    quantity_thousandths: quantity,
                    unit_price_minor: price,
                    book_price_minor: product.list_price_minor,
                    discount_basis_points: discount,
                    amount_minor: amount,
                    unit_cost_minor: Some(product.cost_minor),
                    created_at: at,
                    cost_minor: line_cost(quantity, product.cost_minor).map(|c| c.minor()),
                })
            })
            .collect()
    }
}
