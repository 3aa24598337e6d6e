package demo

// Customer is one CRM record as get_customer shows it.
type Customer struct {
	ID      string `json:"id" jsonschema:"customer id, e.g. cus_001"`
	Name    string `json:"name"`
	Email   string `json:"email"`
	Company string `json:"company"`
	Phone   string `json:"phone"`
	City    string `json:"city"`
	Country string `json:"country"`
	Plan    string `json:"plan" jsonschema:"subscription plan: free, pro, business or enterprise"`
	Since   string `json:"since" jsonschema:"date the customer signed up (YYYY-MM-DD)"`
	Notes   string `json:"notes,omitempty"`
}

// OrderLine is one item of an order.
type OrderLine struct {
	Item      string `json:"item"`
	Quantity  int    `json:"quantity"`
	UnitPrice string `json:"unit_price"`
}

// Order is one purchase by a customer. Money is kept as decimal strings so
// the demo shows exactly what it stores, with no float rounding.
type Order struct {
	ID         string      `json:"id"`
	CustomerID string      `json:"customer_id"`
	Date       string      `json:"date"`
	Status     string      `json:"status" jsonschema:"pending, paid, shipped or refunded"`
	Currency   string      `json:"currency"`
	Total      string      `json:"total"`
	Lines      []OrderLine `json:"lines"`
}

// seedCustomers is the CRM's starting data. Names honour pioneers of
// computing; every address uses the reserved .example domain.
func seedCustomers() []Customer {
	return []Customer{
		{ID: "cus_001", Name: "Ada Lovelace", Email: "ada@analytical-engines.example", Company: "Analytical Engines Ltd", Phone: "+44 20 7946 0001", City: "London", Country: "United Kingdom", Plan: "enterprise", Since: "2021-03-14", Notes: "Prefers email. Asked about bulk export of computation logs."},
		{ID: "cus_002", Name: "Grace Hopper", Email: "grace.hopper@harbor-systems.example", Company: "Harbor Systems", Phone: "+1 202 555 0102", City: "Arlington", Country: "United States", Plan: "business", Since: "2020-11-02", Notes: "Champion of the SSO rollout."},
		{ID: "cus_003", Name: "Alan Turing", Email: "alan@bletchley-labs.example", Company: "Bletchley Labs", Phone: "+44 161 496 0003", City: "Manchester", Country: "United Kingdom", Plan: "pro", Since: "2022-06-23"},
		{ID: "cus_004", Name: "Katherine Johnson", Email: "kjohnson@adastra-aerospace.example", Company: "Adastra Aerospace", Phone: "+1 757 555 0104", City: "Hampton", Country: "United States", Plan: "enterprise", Since: "2019-08-26", Notes: "Renewal due in Q3; wants a rate limit increase."},
		{ID: "cus_005", Name: "Edsger Dijkstra", Email: "ewd@shortest-path.example", Company: "Shortest Path BV", Phone: "+31 40 555 0105", City: "Eindhoven", Country: "Netherlands", Plan: "pro", Since: "2023-05-11"},
		{ID: "cus_006", Name: "Margaret Hamilton", Email: "margaret@guidance-software.example", Company: "Guidance Software Co", Phone: "+1 617 555 0106", City: "Cambridge", Country: "United States", Plan: "business", Since: "2021-07-20"},
		{ID: "cus_007", Name: "Donald Knuth", Email: "don@literate-press.example", Company: "Literate Press", Phone: "+1 650 555 0107", City: "Stanford", Country: "United States", Plan: "free", Since: "2024-01-10", Notes: "Reports typos in invoices; sends a cheque for each one."},
		{ID: "cus_008", Name: "Barbara Liskov", Email: "liskov@substitution.example", Company: "Substitution Systems", Phone: "+1 617 555 0108", City: "Boston", Country: "United States", Plan: "business", Since: "2022-02-28"},
		{ID: "cus_009", Name: "Tim Berners-Lee", Email: "timbl@hypertext-works.example", Company: "Hypertext Works", Phone: "+41 22 555 0109", City: "Geneva", Country: "Switzerland", Plan: "pro", Since: "2020-12-25"},
		{ID: "cus_010", Name: "Radia Perlman", Email: "radia@spanning-tree.example", Company: "Spanning Tree Networks", Phone: "+1 206 555 0110", City: "Seattle", Country: "United States", Plan: "enterprise", Since: "2021-09-09"},
		{ID: "cus_011", Name: "Hedy Lamarr", Email: "hedy@frequency-hop.example", Company: "Frequency Hop GmbH", Phone: "+43 1 555 0111", City: "Vienna", Country: "Austria", Plan: "free", Since: "2025-02-14"},
		{ID: "cus_012", Name: "Sophie Wilson", Email: "sophie@instruction-set.example", Company: "Instruction Set Design", Phone: "+44 1223 555 012", City: "Cambridge", Country: "United Kingdom", Plan: "pro", Since: "2023-10-03"},
	}
}

// seedOrders is the CRM's starting order book: two to four orders each.
func seedOrders() []Order {
	line := func(item string, qty int, price string) OrderLine {
		return OrderLine{Item: item, Quantity: qty, UnitPrice: price}
	}
	return []Order{
		{ID: "ord_1001", CustomerID: "cus_001", Date: "2025-01-15", Status: "shipped", Currency: "GBP", Total: "1250.00", Lines: []OrderLine{line("Difference Engine gears (set)", 5, "250.00")}},
		{ID: "ord_1002", CustomerID: "cus_001", Date: "2025-04-02", Status: "paid", Currency: "GBP", Total: "480.00", Lines: []OrderLine{line("Punched cards, box of 1000", 12, "40.00")}},
		{ID: "ord_1003", CustomerID: "cus_001", Date: "2025-09-30", Status: "pending", Currency: "GBP", Total: "3600.00", Lines: []OrderLine{line("Enterprise seat, annual", 12, "300.00")}},
		{ID: "ord_1004", CustomerID: "cus_002", Date: "2025-02-11", Status: "shipped", Currency: "USD", Total: "918.00", Lines: []OrderLine{line("Compiler licence", 3, "299.00"), line("Nanosecond wire, 30 cm", 7, "3.00")}},
		{ID: "ord_1005", CustomerID: "cus_002", Date: "2025-08-19", Status: "paid", Currency: "USD", Total: "2400.00", Lines: []OrderLine{line("Business seat, annual", 10, "240.00")}},
		{ID: "ord_1006", CustomerID: "cus_003", Date: "2025-03-03", Status: "refunded", Currency: "GBP", Total: "89.00", Lines: []OrderLine{line("Rotor replacement kit", 1, "89.00")}},
		{ID: "ord_1007", CustomerID: "cus_003", Date: "2025-06-07", Status: "shipped", Currency: "GBP", Total: "576.00", Lines: []OrderLine{line("Pro seat, annual", 4, "144.00")}},
		{ID: "ord_1008", CustomerID: "cus_004", Date: "2024-12-01", Status: "paid", Currency: "USD", Total: "7200.00", Lines: []OrderLine{line("Enterprise seat, annual", 24, "300.00")}},
		{ID: "ord_1009", CustomerID: "cus_004", Date: "2025-05-22", Status: "shipped", Currency: "USD", Total: "150.00", Lines: []OrderLine{line("Slide rule, titanium", 2, "75.00")}},
		{ID: "ord_1010", CustomerID: "cus_004", Date: "2025-10-05", Status: "pending", Currency: "USD", Total: "1500.00", Lines: []OrderLine{line("Rate limit add-on, 10k rpm", 1, "1500.00")}},
		{ID: "ord_1011", CustomerID: "cus_005", Date: "2025-01-28", Status: "paid", Currency: "EUR", Total: "288.00", Lines: []OrderLine{line("Pro seat, annual", 2, "144.00")}},
		{ID: "ord_1012", CustomerID: "cus_005", Date: "2025-07-14", Status: "shipped", Currency: "EUR", Total: "45.00", Lines: []OrderLine{line("Fountain pen refills", 9, "5.00")}},
		{ID: "ord_1013", CustomerID: "cus_006", Date: "2025-03-18", Status: "shipped", Currency: "USD", Total: "1920.00", Lines: []OrderLine{line("Business seat, annual", 8, "240.00")}},
		{ID: "ord_1014", CustomerID: "cus_006", Date: "2025-11-02", Status: "pending", Currency: "USD", Total: "640.00", Lines: []OrderLine{line("Core rope memory module", 4, "160.00")}},
		{ID: "ord_1015", CustomerID: "cus_007", Date: "2025-02-02", Status: "paid", Currency: "USD", Total: "2.56", Lines: []OrderLine{line("Hexadecimal dollar", 1, "2.56")}},
		{ID: "ord_1016", CustomerID: "cus_007", Date: "2025-06-30", Status: "shipped", Currency: "USD", Total: "390.00", Lines: []OrderLine{line("Typesetting fonts bundle", 3, "130.00")}},
		{ID: "ord_1017", CustomerID: "cus_008", Date: "2025-04-09", Status: "paid", Currency: "USD", Total: "1440.00", Lines: []OrderLine{line("Business seat, annual", 6, "240.00")}},
		{ID: "ord_1018", CustomerID: "cus_008", Date: "2025-09-12", Status: "refunded", Currency: "USD", Total: "99.00", Lines: []OrderLine{line("Abstract data type poster", 3, "33.00")}},
		{ID: "ord_1019", CustomerID: "cus_009", Date: "2025-01-01", Status: "shipped", Currency: "CHF", Total: "432.00", Lines: []OrderLine{line("Pro seat, annual", 3, "144.00")}},
		{ID: "ord_1020", CustomerID: "cus_009", Date: "2025-08-08", Status: "paid", Currency: "CHF", Total: "60.00", Lines: []OrderLine{line("Hyperlink stickers", 20, "3.00")}},
		{ID: "ord_1021", CustomerID: "cus_010", Date: "2025-02-20", Status: "shipped", Currency: "USD", Total: "4800.00", Lines: []OrderLine{line("Enterprise seat, annual", 16, "300.00")}},
		{ID: "ord_1022", CustomerID: "cus_010", Date: "2025-07-01", Status: "paid", Currency: "USD", Total: "360.00", Lines: []OrderLine{line("Network bridge", 2, "180.00")}},
		{ID: "ord_1023", CustomerID: "cus_010", Date: "2025-10-28", Status: "pending", Currency: "USD", Total: "300.00", Lines: []OrderLine{line("Enterprise seat, annual", 1, "300.00")}},
		{ID: "ord_1024", CustomerID: "cus_011", Date: "2025-03-08", Status: "paid", Currency: "EUR", Total: "0.00", Lines: []OrderLine{line("Free plan upgrade trial", 1, "0.00")}},
		{ID: "ord_1025", CustomerID: "cus_011", Date: "2025-06-16", Status: "shipped", Currency: "EUR", Total: "210.00", Lines: []OrderLine{line("Spread-spectrum radio kit", 1, "210.00")}},
		{ID: "ord_1026", CustomerID: "cus_012", Date: "2025-05-05", Status: "shipped", Currency: "GBP", Total: "432.00", Lines: []OrderLine{line("Pro seat, annual", 3, "144.00")}},
		{ID: "ord_1027", CustomerID: "cus_012", Date: "2025-10-10", Status: "paid", Currency: "GBP", Total: "96.00", Lines: []OrderLine{line("RISC instruction reference", 4, "24.00")}},
	}
}
