-- Three source tables in `shop`, replicated into `replica` by the cluster.
CREATE DATABASE shop;
CREATE DATABASE replica;
USE shop;
CREATE TABLE customers (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(100) NOT NULL);
CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, customer_id INT NOT NULL, total DECIMAL(10,2) NOT NULL);
CREATE TABLE events (id INT AUTO_INCREMENT PRIMARY KEY, kind VARCHAR(40) NOT NULL, at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3));
INSERT INTO customers (name) VALUES ('Ada Lovelace'), ('Alan Turing'), ('Grace Hopper');
INSERT INTO orders (customer_id, total) VALUES (1, 19.99), (2, 5.00), (3, 120.50);
INSERT INTO events (kind) VALUES ('signup'), ('signup'), ('signup');
