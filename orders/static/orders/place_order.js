"use strict";
// The admin's place-order page (templates/admin/orders/order/place.html): add a line as you go, up to
// the API's limit, and see each line's price and the running subtotal, tax and total before placing.
// Money is counted in cents with BigInt, tax rounded half-up to cents as orders.services does.
function setUpOrderForm() {
    const $ = window.django && window.django.jQuery;
    const form = document.getElementById("order_form");
    if (!form || !$) {
        return;
    }
    const totalForms = document.getElementById("id_lines-TOTAL_FORMS");
    const maxForms = parseInt(document.getElementById("id_lines-MAX_NUM_FORMS").value, 10);
    const body = document.getElementById("order-lines");
    const template = document.getElementById("order-line-template");
    const addButton = document.getElementById("add-line");
    const prices = {}; // product id → {price, stock}, from the admin's prices view

    function cents(decimal) { // "12.5" → 1250n
        const [whole, fraction = ""] = String(decimal).split(".");
        return BigInt(whole || "0") * 100n + BigInt((fraction + "00").slice(0, 2));
    }
    function rateTenThousandths(decimal) { // "0.09" → 900n
        const [whole, fraction = ""] = String(decimal).split(".");
        return BigInt(whole || "0") * 10000n + BigInt((fraction + "0000").slice(0, 4));
    }
    function money(value) { // 1250n → "12.50"
        const fraction = String(value % 100n).padStart(2, "0");
        return `${value / 100n}.${fraction}`;
    }
    const taxRate = rateTenThousandths(form.dataset.taxRate || "0");

    function lineRows() {
        return Array.from(body.querySelectorAll("tr.order-line"));
    }
    function productOf(row) {
        return row.querySelector("td.field-product select").value;
    }
    function quantityOf(row) {
        const value = row.querySelector("td.field-quantity input").value.trim();
        return /^[0-9]+$/.test(value) ? BigInt(value) : 0n;
    }

    function render() {
        let subtotal = 0n;
        for (const row of lineRows()) {
            const known = prices[productOf(row)];
            const quantity = quantityOf(row);
            const price = row.querySelector(".line-price");
            const total = row.querySelector(".line-total");
            const stock = row.querySelector(".line-stock");
            if (!known) {
                price.textContent = total.textContent = stock.textContent = "";
                continue;
            }
            const line = cents(known.price) * quantity;
            subtotal += line;
            price.textContent = money(cents(known.price));
            total.textContent = quantity ? money(line) : "";
            stock.textContent = `${known.stock} in stock`;
            stock.classList.toggle("errornote", quantity > BigInt(known.stock));
        }
        const tax = (subtotal * taxRate + 5000n) / 10000n;
        document.getElementById("order-subtotal").textContent = money(subtotal);
        document.getElementById("order-tax").textContent = money(tax);
        document.querySelector("#order-total strong").textContent = money(subtotal + tax);
        const left = maxForms - parseInt(totalForms.value, 10);
        addButton.disabled = left <= 0;
        document.getElementById("lines-left").textContent =
            left > 0 ? `Up to ${maxForms} lines; ${left} more possible.` : `${maxForms} lines: the most an order takes.`;
    }

    function refresh() {
        const wanted = lineRows().map(productOf).filter((id) => id && !(id in prices));
        if (!wanted.length) {
            render();
            return;
        }
        const query = new URLSearchParams(wanted.map((id) => ["product", id]));
        fetch(`${form.dataset.pricesUrl}?${query}`, {credentials: "same-origin"})
            .then((response) => (response.ok ? response.json() : {}))
            .then((found) => {
                Object.assign(prices, found);
                render();
            });
    }

    addButton.addEventListener("click", () => {
        const index = parseInt(totalForms.value, 10);
        if (index >= maxForms) {
            return;
        }
        const html = template.innerHTML.replace(/__prefix__/g, String(index));
        body.insertAdjacentHTML("beforeend", html);
        totalForms.value = String(index + 1);
        const row = body.lastElementChild;
        // Django's autocomplete.js turns the new row's product box into a select2 on this event.
        row.dispatchEvent(new CustomEvent("formset:added", {bubbles: true, detail: {formsetName: "lines"}}));
        render();
        row.querySelector("td.field-quantity input").focus();
    });
    // select2 announces a choice with a jQuery event, which only jQuery's own listeners hear.
    $(form).on("change", "td.field-product select", refresh);
    $(form).on("input change", "td.field-quantity input", render);
    refresh();
}

// The admin loads form media in the page's head: wait for the form.
if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpOrderForm);
} else {
    setUpOrderForm();
}
