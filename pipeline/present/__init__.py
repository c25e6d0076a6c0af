"""Render the products: report, vouwkaarten, exports, session workbook."""
